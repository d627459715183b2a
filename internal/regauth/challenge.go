package regauth

import "strings"

// Challenge is one authentication challenge from a WWW-Authenticate header.
type Challenge struct {
	// Scheme is the auth scheme, lower-cased ("basic", "bearer").
	Scheme string
	// Params are the auth-params with lower-cased names; values are
	// unquoted. For Bearer: realm, service, scope, error.
	Params map[string]string
}

// ParseChallenges parses the values of every WWW-Authenticate header of a
// response (RFC 7235 §4.1): several challenges may share one header,
// separated by commas, and parameters are name=token or name="quoted
// string". Schemes and parameter names are case-insensitive; the first of a
// repeated parameter wins. Unparseable trailing text is ignored rather than
// failing the whole header, as docker's challenge parser does.
func ParseChallenges(headers []string) []Challenge {
	var out []Challenge
	for _, h := range headers {
		out = append(out, parseHeader(h)...)
	}
	return out
}

func parseHeader(s string) []Challenge {
	var out []Challenge
	p := &lexer{s: s}
	for {
		p.skip(" \t,")
		scheme := p.token()
		if scheme == "" {
			return out
		}
		c := Challenge{Scheme: strings.ToLower(scheme), Params: map[string]string{}}
		for {
			p.skip(" \t")
			save := p.i
			if p.peek() == ',' {
				p.i++
				p.skip(" \t,")
				save = p.i
			}
			name := p.token()
			if name == "" {
				// End of input or junk: resynchronise at the next comma.
				if !p.skipPast(',') {
					out = append(out, c)
					return out
				}
				continue
			}
			if p.peek() == '/' {
				// token68 with a '/' ("abc+/=="); ignore it.
				for p.i < len(p.s) && (isTokenChar(p.s[p.i]) || p.s[p.i] == '/') {
					p.i++
				}
				p.skip("=")
				continue
			}
			p.skip(" \t")
			if p.peek() != '=' {
				// A bare token after a complete param list starts the next
				// challenge.
				p.i = save
				break
			}
			p.i++
			p.skip(" \t")
			if p.peek() == '=' || p.peek() == ',' || p.peek() == 0 {
				// token68 ("abc==") rather than a parameter; ignore it.
				p.skip("=")
				continue
			}
			var value string
			if p.peek() == '"' {
				value = p.quoted()
			} else {
				value = p.bare()
			}
			key := strings.ToLower(name)
			if _, dup := c.Params[key]; !dup {
				c.Params[key] = value
			}
		}
		out = append(out, c)
	}
}

type lexer struct {
	s string
	i int
}

func (p *lexer) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *lexer) skip(set string) {
	for p.i < len(p.s) && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
	}
}

// skipPast moves past the next c; it reports false at the end of input.
func (p *lexer) skipPast(c byte) bool {
	j := strings.IndexByte(p.s[p.i:], c)
	if j < 0 {
		p.i = len(p.s)
		return false
	}
	p.i += j + 1
	return true
}

// token reads an RFC 7230 token.
func (p *lexer) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// bare reads an unquoted parameter value. It is more lenient than a token:
// some servers send unquoted URLs (realm=https://host/token), so it runs to
// the next comma or white space.
func (p *lexer) bare() string {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != ' ' && p.s[p.i] != '\t' {
		p.i++
	}
	return p.s[start:p.i]
}

// quoted reads a quoted-string starting at the opening quote, undoing
// backslash escapes. An unterminated string runs to the end of input.
func (p *lexer) quoted() string {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return b.String()
		case c == '\\' && p.i < len(p.s):
			b.WriteByte(p.s[p.i])
			p.i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// find returns the first challenge with the given (lower-case) scheme.
func find(cs []Challenge, scheme string) (Challenge, bool) {
	for _, c := range cs {
		if c.Scheme == scheme {
			return c, true
		}
	}
	return Challenge{}, false
}
