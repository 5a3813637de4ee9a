package tfjs

import (
	"fmt"
	"strconv"
	"strings"
)

// parseJSValue parses one JavaScript value literal as minifiers emit it:
// JSON plus unquoted keys, single-quoted strings, !0/!1 booleans and numbers
// such as .5, -.5 or 1e-20. It returns the value (map[string]any, []any,
// float64, string, bool or nil) and the offset just past it.
func parseJSValue(src string, pos int) (any, int, error) {
	p := &jsParser{s: src, i: pos}
	v, err := p.value()
	if err != nil {
		return nil, p.i, err
	}
	return v, p.i, nil
}

type jsParser struct {
	s string
	i int
}

func (p *jsParser) errf(format string, a ...any) error {
	return fmt.Errorf("js literal at offset %d: %s", p.i, fmt.Sprintf(format, a...))
}

func (p *jsParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsParser) value() (any, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end")
	}
	c := p.s[p.i]
	switch {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"' || c == '\'':
		return p.str()
	case c == '!':
		// Minifiers write true as !0 and false as !1.
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1') {
			b := p.s[p.i+1] == '0'
			p.i += 2
			return b, nil
		}
		return nil, p.errf("unsupported negation")
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	}
	id := p.ident()
	switch id {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null", "undefined", "void 0":
		return nil, nil
	}
	return nil, p.errf("unexpected token %q", id)
}

func (p *jsParser) ident() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func (p *jsParser) number() (any, error) {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+' {
			p.i++
			continue
		}
		break
	}
	txt := p.s[start:p.i]
	f, err := strconv.ParseFloat(txt, 64)
	if err != nil {
		return nil, p.errf("bad number %q", txt)
	}
	return f, nil
}

func (p *jsParser) str() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == q {
			p.i++
			return b.String(), nil
		}
		if c != '\\' {
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if p.i+4 > len(p.s) {
				return "", p.errf("short \\u escape")
			}
			r, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
			if err != nil {
				return "", p.errf("bad \\u escape")
			}
			b.WriteRune(rune(r))
			p.i += 4
		default:
			b.WriteByte(e)
		}
	}
	return "", p.errf("unterminated string")
}

func (p *jsParser) object() (any, error) {
	p.i++ // {
	m := map[string]any{}
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errf("unterminated object")
		}
		if p.s[p.i] == '}' {
			p.i++
			return m, nil
		}
		var key string
		switch c := p.s[p.i]; {
		case c == '"' || c == '\'':
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			key = k
		case c >= '0' && c <= '9':
			n, err := p.number()
			if err != nil {
				return nil, err
			}
			key = strconv.FormatFloat(n.(float64), 'f', -1, 64)
		default:
			key = p.ident()
			if key == "" {
				return nil, p.errf("expected object key")
			}
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.errf("expected ':' after key %q", key)
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[key] = v
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
}

func (p *jsParser) array() (any, error) {
	p.i++ // [
	a := []any{}
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errf("unterminated array")
		}
		if p.s[p.i] == ']' {
			p.i++
			return a, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
}

// exportedLiteral finds the value a browserify module assigns to
// module.exports (written `.exports=` by minifiers) and parses it.
func exportedLiteral(src string) (any, error) {
	const marker = ".exports="
	from := 0
	for {
		k := strings.Index(src[from:], marker)
		if k < 0 {
			return nil, fmt.Errorf("no module.exports assignment found")
		}
		at := from + k + len(marker)
		from = at
		if at < len(src) && (src[at] == '{' || src[at] == '"' || src[at] == '\'' || src[at] == '[') {
			v, _, err := parseJSValue(src, at)
			return v, err
		}
	}
}
