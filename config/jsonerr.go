package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// describeJSONError rewrites an encoding/json error about data for a person
// fixing the file by hand: where (line and column) and what, in JSON's
// words rather than Go's types.
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	var ute *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		if se.Error() == "unexpected end of JSON input" {
			return fmt.Errorf("%s: unexpected end of JSON input (truncated, or a } or ] missing?)", position(data, int64(len(data))))
		}
		// Offset counts the bytes read, the offending one included.
		return fmt.Errorf("%s: %s", position(data, se.Offset-1), se.Error())
	case errors.As(err, &ute):
		field := ute.Field
		if field == "" {
			field = "the top level"
		}
		// Offset is past the opening bracket of an object or array, past
		// the end of a scalar: one back is on the value either way.
		return fmt.Errorf("%s: %s is %s, want %s", position(data, ute.Offset-1), field, jsonArticle(ute.Value), jsonKind(ute.Type))
	}
	return err
}

// position is "line L, column C" of a byte offset (1-based, columns in
// bytes), as editors show it.
func position(data []byte, offset int64) string {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another value"
}

// jsonArticle puts an article before encoding/json's name of a JSON value
// ("number", "array", "object", "string", "bool").
func jsonArticle(v string) string {
	switch v {
	case "array", "object":
		return "an " + v
	case "bool":
		return "true or false"
	case "":
		return "another value"
	}
	return "a " + v
}
