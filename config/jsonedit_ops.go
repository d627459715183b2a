package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// set makes the member at path hold v, creating missing objects on the way.
// An existing member keeps its place; a new one goes after its last sibling
// with the same spacing; a member that already holds an equal value is not
// touched at all. Duplicate keys are reduced to one (the one decoders read).
func (d *jsonDoc) set(path []string, v any) error {
	if len(path) == 0 {
		return fmt.Errorf("internal error: empty path")
	}
	want, err := canonical(v)
	if err != nil {
		return err
	}
	n := d.root
	for i := 0; i < len(path)-1; i++ {
		m := n.last(path[i])
		if m == nil || d.isNull(m.value) {
			return d.setMember(path[:i], path[i], nest(path[i+1:], v), nest(path[i+1:], want))
		}
		if m.value.kind != '{' {
			return fmt.Errorf("%s: %w", strings.Join(path[:i+1], "."), errNotObject)
		}
		n = m.value
	}
	return d.setMember(path[:len(path)-1], path[len(path)-1], v, want)
}

// nest wraps v in one single-key object per key.
func nest(keys []string, v any) any {
	for i := len(keys) - 1; i >= 0; i-- {
		v = map[string]any{keys[i]: v}
	}
	return v
}

func (d *jsonDoc) setMember(parentPath []string, key string, v, want any) error {
	if err := d.dedupe(parentPath, key); err != nil {
		return err
	}
	obj, err := d.lookup(parentPath)
	if err != nil || obj == nil {
		return fmt.Errorf("internal error: %s vanished: %v", strings.Join(parentPath, "."), err)
	}
	compact := !bytes.Contains(d.src[obj.start:obj.end], []byte("\n"))
	if m := obj.last(key); m != nil {
		var have any
		if dec := decoder(d.src[m.value.start:m.value.end]); dec.Decode(&have) == nil && reflect.DeepEqual(have, want) {
			return nil
		}
		return d.splice(m.value.start, m.value.end, d.render(v, d.lineIndent(m.keyStart), compact))
	}
	kj := d.render(key, "", true)
	if len(obj.members) > 0 {
		last := obj.members[len(obj.members)-1]
		lead := d.src[d.leadStart(obj, len(obj.members)-1):last.keyStart]
		text := append([]byte(","), lead...)
		text = append(text, kj...)
		text = append(text, d.sep(compact)...)
		text = append(text, d.render(v, d.lineIndent(last.keyStart), compact)...)
		return d.splice(last.value.end, last.value.end, text)
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
	return d.splice(obj.start+1, obj.end-1, text)
}

// remove deletes every member called key from the object at parentPath.
// A missing parent or key is not an error.
func (d *jsonDoc) remove(parentPath []string, key string) error {
	for {
		obj, err := d.lookup(parentPath)
		if err != nil {
			return err
		}
		if obj == nil {
			return nil
		}
		idx := -1
		for i, m := range obj.members {
			if m.key == key {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil
		}
		if err := d.removeAt(obj, idx); err != nil {
			return err
		}
	}
}

// dedupe removes all but the last member called key.
func (d *jsonDoc) dedupe(parentPath []string, key string) error {
	for {
		obj, err := d.lookup(parentPath)
		if err != nil || obj == nil {
			return err
		}
		var idx []int
		for i, m := range obj.members {
			if m.key == key {
				idx = append(idx, i)
			}
		}
		if len(idx) < 2 {
			return nil
		}
		if err := d.removeAt(obj, idx[0]); err != nil {
			return err
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
