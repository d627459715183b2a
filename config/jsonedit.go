package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// jsonDoc is a JSON text together with the byte spans of its values, so that
// one object member can be replaced, added or removed while every other byte
// of the file stays as the user (or docker, or a dotfile manager) wrote it:
// key order, indentation, spacing and escapes of untouched members included.
type jsonDoc struct {
	src  []byte
	root *jnode
}

// jnode is one JSON value: its kind and its span [start, end) in src.
type jnode struct {
	kind    byte // '{', '[', '"', or 'l' for numbers, true, false and null
	start   int
	end     int
	members []jmember // objects only, in file order
}

// jmember is one "key": value pair of an object.
type jmember struct {
	key      string // decoded
	keyStart int    // offset of the key's opening quote
	keyEnd   int    // offset just past the key's closing quote
	value    *jnode
}

var errNotObject = errors.New("not a JSON object")

// parseJSONDoc validates src as JSON and records the spans of its values.
// The top level must be an object.
func parseJSONDoc(src []byte) (*jsonDoc, error) {
	if !json.Valid(src) {
		// Let encoding/json describe the problem (offset and cause).
		var v any
		if err := json.Unmarshal(src, &v); err != nil {
			return nil, describeJSONError(src, err)
		}
		return nil, errors.New("invalid JSON")
	}
	p := &jparser{src: src}
	p.ws()
	root := p.value()
	if root.kind != '{' {
		return nil, fmt.Errorf("top level is %s, want a JSON object", kindName(root.kind, src[root.start:root.end]))
	}
	return &jsonDoc{src: src, root: root}, nil
}

func kindName(k byte, raw []byte) string {
	switch k {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '{':
		return "an object"
	}
	if string(raw) == "null" {
		return "null"
	}
	return "a " + map[bool]string{true: "boolean", false: "number"}[string(raw) == "true" || string(raw) == "false"]
}

// jparser walks JSON that json.Valid has accepted, so it need not report
// syntax errors.
type jparser struct {
	src []byte
	i   int
}

func (p *jparser) ws() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) value() *jnode {
	n := &jnode{start: p.i}
	switch c := p.src[p.i]; c {
	case '{':
		n.kind = '{'
		p.i++
		p.ws()
		if p.src[p.i] == '}' {
			p.i++
			break
		}
		for {
			p.ws()
			ks := p.i
			p.str()
			m := jmember{keyStart: ks, keyEnd: p.i}
			_ = json.Unmarshal(p.src[ks:p.i], &m.key)
			p.ws()
			p.i++ // ':'
			p.ws()
			m.value = p.value()
			n.members = append(n.members, m)
			p.ws()
			if p.src[p.i] == ',' {
				p.i++
				continue
			}
			p.i++ // '}'
			break
		}
	case '[':
		n.kind = '['
		p.i++
		p.ws()
		if p.src[p.i] == ']' {
			p.i++
			break
		}
		for {
			p.ws()
			p.value()
			p.ws()
			if p.src[p.i] == ',' {
				p.i++
				continue
			}
			p.i++ // ']'
			break
		}
	case '"':
		n.kind = '"'
		p.str()
	default:
		n.kind = 'l'
		for p.i < len(p.src) && !strings.ContainsRune(" \t\r\n,]}", rune(p.src[p.i])) {
			p.i++
		}
	}
	n.end = p.i
	return n
}

// str skips a string starting at its opening quote.
func (p *jparser) str() {
	p.i++
	for p.src[p.i] != '"' {
		if p.src[p.i] == '\\' {
			p.i++
		}
		p.i++
	}
	p.i++
}

// place is an object a path selects, with the names of the members that
// lead to it as the file spells them.
type place struct {
	obj  *jnode
	path []string
}

// objects returns every object path selects, in file order: through every
// member each step selects. Members that are null or not objects hold
// nothing on the path and are skipped.
func (d *jsonDoc) objects(path []step) []place {
	cur := []place{{obj: d.root}}
	for _, s := range path {
		var next []place
		for _, p := range cur {
			for _, m := range p.obj.members {
				if s.matches(m.key) && m.value.kind == '{' {
					next = append(next, place{obj: m.value, path: append(slices.Clone(p.path), m.key)})
				}
			}
		}
		cur = next
	}
	return cur
}

// walk follows path the way a decoder's last word does: at each step, the
// last member selected. It returns the object reached and how many steps
// were followed: fewer than len(path) when a step selects no member, or its
// last is null. A last member that is neither is an error.
func (d *jsonDoc) walk(path []step) (place, int, error) {
	p := place{obj: d.root}
	for i, s := range path {
		m := p.obj.last(s)
		if m == nil || d.isNull(m.value) {
			return p, i, nil
		}
		if m.value.kind != '{' {
			return p, i, fmt.Errorf("%s: %w", strings.Join(append(p.path, m.key), "."), errNotObject)
		}
		p = place{obj: m.value, path: append(slices.Clone(p.path), m.key)}
	}
	return p, len(path), nil
}

func (d *jsonDoc) isNull(n *jnode) bool {
	return n.kind == 'l' && string(d.src[n.start:n.end]) == "null"
}

// last returns the last member s selects (the one decoders apply last).
func (n *jnode) last(s step) *jmember {
	for i := len(n.members) - 1; i >= 0; i-- {
		if s.matches(n.members[i].key) {
			return &n.members[i]
		}
	}
	return nil
}

// splice replaces src[start:end] with repl and re-parses.
func (d *jsonDoc) splice(start, end int, repl []byte) error {
	out := make([]byte, 0, len(d.src)-(end-start)+len(repl))
	out = append(out, d.src[:start]...)
	out = append(out, repl...)
	out = append(out, d.src[end:]...)
	nd, err := parseJSONDoc(out)
	if err != nil {
		return fmt.Errorf("internal error: edit produced invalid JSON: %w", err)
	}
	*d = *nd
	return nil
}

// bytes returns the current text.
func (d *jsonDoc) bytes() []byte { return bytes.Clone(d.src) }
