package helper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/regkey/regkey/auth"
)

// store reads a JSON credentials object and hands it to the backend.
func store(ctx context.Context, b Backend, in io.Reader) error {
	data, err := readInput(ctx, in, MaxStoreInput)
	if err != nil {
		return err
	}
	req, err := decodeStore(data)
	if err != nil {
		return err
	}
	return b.Store(ctx, req.ServerURL, auth.Credential{Username: req.Username, Secret: req.Secret})
}

// get answers a key with the reference JSON, echoing the key it was asked
// for as ServerURL, as the reference library does.
func get(ctx context.Context, b Backend, in io.Reader, out io.Writer) error {
	key, err := readKey(ctx, in)
	if err != nil {
		return err
	}
	c, err := b.Get(ctx, key)
	if err != nil {
		return err
	}
	// Encode before writing so a failure never leaves half an answer.
	// json.Encoder escapes <, > and &, exactly as the reference does.
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(payload{ServerURL: key, Username: c.Username, Secret: c.Secret}); err != nil {
		return fmt.Errorf("encoding the answer: %w", err)
	}
	_, err = out.Write(buf.Bytes())
	return err
}

// erase removes a key; erasing what is not there succeeds.
func erase(ctx context.Context, b Backend, in io.Reader) error {
	key, err := readKey(ctx, in)
	if err != nil {
		return err
	}
	if err := b.Erase(ctx, key); err != nil && !errors.Is(err, auth.ErrNotFound) {
		return err
	}
	return nil
}

// list ignores stdin entirely: Go clients send "unused", others nothing, and
// a caller that leaves stdin open must not block us.
func list(ctx context.Context, b Backend, out io.Writer) error {
	m, err := b.List(ctx)
	if err != nil {
		return err
	}
	if m == nil {
		m = map[string]string{} // "{}", never "null"
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(m); err != nil {
		return fmt.Errorf("encoding the list: %w", err)
	}
	_, err = out.Write(buf.Bytes())
	return err
}

// decodeStore parses a store payload, {"ServerURL":…,"Username":…,"Secret":…},
// the way the reference library does: field names match case-insensitively,
// unknown fields are ignored, and "\u003ctoken\u003e" is the identity-token
// username "<token>". ServerURL is returned trimmed. It fails with
// ErrMissingServerURL or ErrMissingUsername as the reference does, and
// refuses anything but one JSON object (trailing data included).
//
// Unlike the reference, it refuses a payload that is not valid UTF-8, or
// whose strings hold a \u escape of a lone UTF-16 surrogate: encoding/json
// would silently turn either into U+FFFD, and store a secret or a key that
// is not what the client sent. Both are checked on the raw bytes, since the
// decoded strings no longer tell. Errors never quote the input, which holds
// a secret.
func decodeStore(data []byte) (payload, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return payload{}, errMalformed(0, "no credentials on stdin")
	}
	if i := invalidUTF8(data); i >= 0 {
		return payload{}, errMalformed(int64(i)+1, "not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var req storeRequest
	if err := dec.Decode(&req); err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.Is(err, errLoneSurrogate):
			return payload{}, errMalformed(0, err.Error())
		case errors.As(err, &syn):
			return payload{}, errMalformed(syn.Offset, "not a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return payload{}, errMalformed(0, "truncated JSON")
		default:
			return payload{}, errMalformed(0, "want a JSON object with string fields ServerURL, Username and Secret")
		}
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return payload{}, errMalformed(dec.InputOffset()+1, "trailing data after the JSON object")
	}
	r := payload{ServerURL: strings.TrimSpace(string(req.ServerURL)), Username: string(req.Username), Secret: string(req.Secret)}
	if r.ServerURL == "" {
		return payload{}, ErrMissingServerURL
	}
	if r.Username == "" {
		return payload{}, ErrMissingUsername
	}
	return r, nil
}

// storeRequest is a store payload as decoded: payload's fields, each checked
// against its raw JSON text.
type storeRequest struct {
	ServerURL, Username, Secret wireString
}

// errLoneSurrogate is a string with a \u escape that is no character.
var errLoneSurrogate = errors.New("a string holds a \\u escape of a lone UTF-16 surrogate, which is no character")

// wireString is a JSON string that decodes exactly: one whose decoding
// needed a U+FFFD that its raw text does not spell (a lone surrogate escape
// such as "\ud800") is refused.
type wireString string

// UnmarshalJSON decodes b as encoding/json does, then compares the U+FFFD
// in the result with those b spells, literally or as "\ufffd".
func (w *wireString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if n := strings.Count(s, "\uFFFD"); n > 0 && n > spelledReplacements(b) {
		return errLoneSurrogate
	}
	*w = wireString(s)
	return nil
}

// spelledReplacements counts the U+FFFD a raw JSON string spells: as UTF-8,
// or as a "\ufffd" escape (hex digits in either case).
func spelledReplacements(b []byte) int {
	n := bytes.Count(b, []byte("\uFFFD"))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && isFFFD(b[i+2:i+6]) {
			n++
		}
		i++ // the escaped character is not itself an escape
	}
	return n
}

// isFFFD reports whether the four hex digits h are fffd, in either case.
func isFFFD(h []byte) bool {
	for i, c := range h {
		if c|0x20 != "fffd"[i] { // ASCII case only: 'F' and 'D' become 'f' and 'd'
			return false
		}
	}
	return true
}

// invalidUTF8 returns the offset of the first byte of data that is not
// valid UTF-8, or -1.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// readKey reads the server key for get and erase: stdin trimmed, as the
// reference does; an empty key is ErrMissingServerURL.
func readKey(ctx context.Context, in io.Reader) (string, error) {
	data, err := readInput(ctx, in, MaxKeyInput)
	if err != nil {
		return "", err
	}
	key := strings.TrimSpace(string(data))
	if key == "" {
		return "", ErrMissingServerURL
	}
	return key, nil
}

// readInput reads all of in, up to limit bytes, giving up when ctx is done.
// A reader still blocked then is left behind; the process is about to exit.
func readInput(ctx context.Context, in io.Reader, limit int64) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(in, limit+1))
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("reading stdin: %w", r.err)
		}
		if int64(len(r.data)) > limit {
			return nil, fmt.Errorf("reading stdin: %w (more than %d bytes)", ErrInputTooLarge, limit)
		}
		return r.data, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("reading stdin: %w", ctx.Err())
	}
}
