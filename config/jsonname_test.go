package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"unicode"
	"unicode/utf8"
)

// matches records every value encoding/json decodes into a field of this
// type: one call per member the decoder matched to the field.
type matches struct{ runes *[]rune }

func (m matches) UnmarshalJSON(b []byte) error {
	n, err := strconv.Atoi(string(b))
	*m.runes = append(*m.runes, rune(n))
	return err
}

// TestFieldStepIsEncodingJSONsRule asks encoding/json itself which member
// names it decodes into a field named by each ASCII letter, over every
// Unicode scalar value in one document, and checks that fieldStep selects
// exactly those. Every field name in these files is ASCII, and both rules
// compare rune by rune, so a field name matches a member name under one
// rule exactly when it does under the other.
func TestFieldStepIsEncodingJSONsRule(t *testing.T) {
	t.Parallel()
	got := make([][]rune, 26)
	fields := make([]reflect.StructField, 26)
	for i := range fields {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("F%c", 'A'+i),
			Type: reflect.TypeFor[matches](),
			Tag:  reflect.StructTag(fmt.Sprintf(`json:"%c"`, 'a'+i)),
		}
	}
	v := reflect.New(reflect.StructOf(fields)).Elem()
	for i := range fields {
		v.Field(i).Set(reflect.ValueOf(matches{&got[i]}))
	}
	var doc bytes.Buffer
	doc.Grow(16 << 20)
	doc.WriteByte('{')
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		if r > 0 {
			doc.WriteByte(',')
		}
		doc.WriteByte('"')
		if r < 0x20 || r == '"' || r == '\\' {
			fmt.Fprintf(&doc, `\u%04x`, r)
		} else {
			doc.WriteRune(r)
		}
		doc.WriteString(`":`)
		doc.WriteString(strconv.Itoa(int(r)))
	}
	doc.WriteByte('}')
	if err := json.Unmarshal(doc.Bytes(), v.Addr().Interface()); err != nil {
		t.Fatal(err)
	}
	// A rune outside ASCII with no case partner at all can match no ASCII
	// letter under any case-insensitive rule; the others are asked.
	var candidates []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r < utf8.RuneSelf || unicode.SimpleFold(r) != r {
			candidates = append(candidates, r)
		}
	}
	for i := range fields {
		letter := string(rune('a' + i))
		var want []rune
		for _, r := range candidates {
			if fieldStep(letter).matches(string(r)) {
				want = append(want, r)
			}
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("encoding/json decodes %U into field %q; fieldStep selects %U", got[i], letter, want)
		}
	}
	// What this means for the names in these files, spelled out.
	if !reflect.DeepEqual(got['k'-'a'], []rune{'K', 'k', '\u212a'}) || !reflect.DeepEqual(got['s'-'a'], []rune{'S', 's', '\u017f'}) ||
		!reflect.DeepEqual(got['i'-'a'], []rune{'I', 'i'}) {
		t.Errorf("k matches %U, s %U, i %U", got['k'-'a'], got['s'-'a'], got['i'-'a'])
	}
}

// TestFieldStepOnTheFilesNames: docker's own decoding of an auths entry and
// fieldOf agree on real spellings, including which member a decoder uses
// when two spellings meet (the last).
func TestFieldStepOnTheFilesNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		member string
		field  string // "" for none
	}{
		{"password", "password"},
		{"Password", "password"},
		{"PASSWORD", "password"},
		{"pa\u017f\u017fword", "password"},
		{"IdentityToken", "identitytoken"},
		{"identityto\u212aen", "identitytoken"},
		{"\u0130dentitytoken", ""}, // İ lower-cases to i, but does not fold to it
		{"\u0131dentitytoken", ""}, // nor does dotless ı
		{"Auth", "auth"},
		{"auth ", ""},
		{"RegistryToken", "registrytoken"},
		{"user", ""},
	} {
		got, _ := fieldOf(tc.member, []string{"auth", "identitytoken", "password", "registrytoken"})
		var e authEntry
		b, _ := json.Marshal(map[string]string{tc.member: "v"})
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		decoded := map[string]bool{"auth": e.Auth != "", "identitytoken": e.IdentityToken != "",
			"password": e.Password != "", "registrytoken": e.RegistryToken != ""}
		if got != tc.field || (got != "") != decoded[got] || (got == "" && (e != authEntry{})) {
			t.Errorf("%q: fieldOf = %q, want %q; encoding/json decoded %+v", tc.member, got, tc.field, e)
		}
	}
	var e authEntry
	if err := json.Unmarshal([]byte(`{"auth":"first","AUTH":"second","Auth":null}`), &e); err != nil || e.Auth != "second" {
		t.Errorf("two spellings: decoded %q, %v; want the last non-null", e.Auth, err)
	}
}
