package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// change is one change made to the text, by member names as the file spells
// them, so that AuthFile can make the same change to its model.
type change struct {
	path  []string
	del   bool
	value any // canonical, when !del
}

// set makes the value at path v for every decoder (see jsonname.go). Along
// path it goes into the last member each step selects, the one decoders
// apply last, creating missing objects on the way (a null one is replaced).
// There, the members the last step selects are reduced to one, and the same
// members in the other objects path leads to (which decoders would merge)
// are removed. An existing member keeps its place and spelling; a new one
// goes after its last sibling with the same spacing, spelled as path names
// it; a member that already holds an equal value is not touched.
func (d *jsonDoc) set(path []step, v any) ([]change, error) {
	if len(path) == 0 {
		return nil, fmt.Errorf("internal error: empty path")
	}
	want, err := canonical(v)
	if err != nil {
		return nil, err
	}
	parentPath, s := path[:len(path)-1], path[len(path)-1]
	var edits []change
	for {
		parent, depth, err := d.walk(parentPath)
		if err != nil {
			return edits, err
		}
		if depth < len(parentPath) {
			rest := path[depth+1:]
			e, err := d.setMember(parentPath[:depth], path[depth], nest(rest, v), nest(rest, want))
			return append(edits, e...), err
		}
		gone, err := d.removeFirst(parentPath, s, parent.obj.start)
		if err != nil {
			return edits, err
		}
		if gone == nil {
			e, err := d.setMember(parentPath, s, v, want)
			return append(edits, e...), err
		}
		edits = append(edits, change{path: gone, del: true})
	}
}

// nest wraps v in one single-member object per step.
func nest(steps []step, v any) any {
	for i := len(steps) - 1; i >= 0; i-- {
		v = map[string]any{steps[i].name: v}
	}
	return v
}

// setMember sets the member s selects in the object walk(parentPath)
// reaches, after reducing the members s selects there to the last one.
func (d *jsonDoc) setMember(parentPath []step, s step, v, want any) ([]change, error) {
	edits, err := d.dedupe(parentPath, s)
	if err != nil {
		return edits, err
	}
	parent, depth, err := d.walk(parentPath)
	if err != nil || depth < len(parentPath) {
		return edits, fmt.Errorf("internal error: the object to edit vanished: %v", err)
	}
	obj := parent.obj
	compact := !bytes.Contains(d.src[obj.start:obj.end], []byte("\n"))
	if m := obj.last(s); m != nil {
		edits = append(edits, change{path: append(slices.Clone(parent.path), m.key), value: want})
		var have any
		if dec := decoder(d.src[m.value.start:m.value.end]); dec.Decode(&have) == nil && reflect.DeepEqual(have, want) {
			return edits, nil
		}
		return edits, d.splice(m.value.start, m.value.end, d.render(v, d.lineIndent(m.keyStart), compact))
	}
	edits = append(edits, change{path: append(slices.Clone(parent.path), s.name), value: want})
	kj := d.render(s.name, "", true)
	if len(obj.members) > 0 {
		last := obj.members[len(obj.members)-1]
		lead := d.src[d.leadStart(obj, len(obj.members)-1):last.keyStart]
		text := append([]byte(","), lead...)
		text = append(text, kj...)
		text = append(text, d.sep(compact)...)
		text = append(text, d.render(v, d.lineIndent(last.keyStart), compact)...)
		return edits, d.splice(last.value.end, last.value.end, text)
	}
	compact = !bytes.Contains(d.src[d.root.start:d.root.end], []byte("\n"))
	var text []byte
	if compact {
		text = append(append(kj, d.sep(true)...), d.render(v, "", true)...)
	} else {
		outer := d.lineIndent(obj.start)
		inner := outer + d.unit()
		text = append([]byte(d.newline()+inner), kj...)
		text = append(text, d.sep(false)...)
		text = append(text, d.render(v, inner, false)...)
		text = append(text, d.newline()+outer...)
	}
	return edits, d.splice(obj.start+1, obj.end-1, text)
}

// remove deletes every member s selects from every object parentPath
// selects. A missing parent or member is not an error.
func (d *jsonDoc) remove(parentPath []step, s step) ([]change, error) {
	var edits []change
	for {
		gone, err := d.removeFirst(parentPath, s, -1)
		if err != nil || gone == nil {
			return edits, err
		}
		edits = append(edits, change{path: gone, del: true})
	}
}

// removeFirst removes the first member s selects in the objects parentPath
// selects, skipping the object that starts at offset except, and returns
// its path; nil when there is none.
func (d *jsonDoc) removeFirst(parentPath []step, s step, except int) ([]string, error) {
	for _, p := range d.objects(parentPath) {
		if p.obj.start == except {
			continue
		}
		for i, m := range p.obj.members {
			if s.matches(m.key) {
				return append(p.path, m.key), d.removeAt(p.obj, i)
			}
		}
	}
	return nil, nil
}

// dedupe removes all but the last member s selects in the object
// walk(parentPath) reaches.
func (d *jsonDoc) dedupe(parentPath []step, s step) ([]change, error) {
	var edits []change
	for {
		parent, depth, err := d.walk(parentPath)
		if err != nil || depth < len(parentPath) {
			return edits, err
		}
		var idx []int
		for i, m := range parent.obj.members {
			if s.matches(m.key) {
				idx = append(idx, i)
			}
		}
		if len(idx) < 2 {
			return edits, nil
		}
		edits = append(edits, change{path: append(parent.path, parent.obj.members[idx[0]].key), del: true})
		if err := d.removeAt(parent.obj, idx[0]); err != nil {
			return edits, err
		}
	}
}

func (d *jsonDoc) removeAt(obj *jnode, i int) error {
	ms := obj.members
	switch {
	case len(ms) == 1:
		return d.splice(obj.start+1, obj.end-1, nil)
	case i < len(ms)-1:
		return d.splice(ms[i].keyStart, ms[i+1].keyStart, nil)
	default:
		return d.splice(ms[i-1].value.end, ms[i].value.end, nil)
	}
}

// leadStart is where the text between member i-1 (or the opening brace) and
// member i's key begins.
func (d *jsonDoc) leadStart(obj *jnode, i int) int {
	if i == 0 {
		return obj.start + 1
	}
	j := obj.members[i-1].value.end
	for d.src[j] != ',' {
		j++
	}
	return j + 1
}

// lineIndent is the white space that starts the line holding pos.
func (d *jsonDoc) lineIndent(pos int) string {
	start := bytes.LastIndexByte(d.src[:pos], '\n') + 1
	end := start
	for end < pos && (d.src[end] == ' ' || d.src[end] == '\t') {
		end++
	}
	return string(d.src[start:end])
}

// unit is the file's indentation step, found from the first member that sits
// on its own line deeper than its object's line; a tab (docker's) otherwise.
func (d *jsonDoc) unit() string {
	var walk func(n *jnode) string
	walk = func(n *jnode) string {
		for i, m := range n.members {
			lead := d.src[d.leadStart(n, i):m.keyStart]
			if bytes.Contains(lead, []byte("\n")) {
				mi, oi := d.lineIndent(m.keyStart), d.lineIndent(n.start)
				if strings.HasPrefix(mi, oi) && len(mi) > len(oi) {
					return mi[len(oi):]
				}
			}
			if m.value.kind == '{' {
				if u := walk(m.value); u != "" {
					return u
				}
			}
		}
		return ""
	}
	if u := walk(d.root); u != "" {
		return u
	}
	return "\t"
}

// sep is the text between a key and its value, as the file writes it.
func (d *jsonDoc) sep(compact bool) string {
	var walk func(n *jnode) string
	walk = func(n *jnode) string {
		for _, m := range n.members {
			s := string(d.src[m.keyEnd:m.value.start])
			if !strings.ContainsAny(s, "\r\n") {
				return s
			}
			if m.value.kind == '{' {
				if s := walk(m.value); s != "" {
					return s
				}
			}
		}
		return ""
	}
	if s := walk(d.root); s != "" {
		return s
	}
	if compact {
		return ":"
	}
	return ": "
}

func (d *jsonDoc) newline() string {
	if bytes.Contains(d.src, []byte("\r\n")) {
		return "\r\n"
	}
	return "\n"
}

// render encodes v without HTML escaping, indented to continue a line that
// starts with prefix, or compact.
func (d *jsonDoc) render(v any, prefix string, compact bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if !compact {
		enc.SetIndent(prefix, d.unit())
	}
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("internal error: encoding %T: %v", v, err))
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if nl := d.newline(); nl != "\n" {
		out = bytes.ReplaceAll(out, []byte("\n"), []byte(nl))
	}
	return out
}

// canonical returns v as encoding/json decodes it (numbers as json.Number),
// for comparing with values decoded from the file.
func canonical(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", v, err)
	}
	var out any
	if err := decoder(b).Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

func decoder(b []byte) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec
}
