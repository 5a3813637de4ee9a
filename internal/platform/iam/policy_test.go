package iam

import (
	"errors"
	"testing"
)

func TestMatchSegment(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true},
		{"*", "generalText", true},
		{"generalText", "generaltext", true}, // case-insensitive
		{"get*", "get", true},
		{"get*", "getJob", true},
		{"get*", "create", false},
		{"*Text", "generalText", true},
		{"*Text", "generalTable", false},
		{"g*l*t", "generalText", true},
		{"g*l*x", "generalText", false},
		{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"", "x", false},
	} {
		if got := matchSegment(c.p, c.s); got != c.want {
			t.Errorf("matchSegment(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	pol := func(stmts ...Statement) Policy { return Policy{Version: "1.1", Statement: stmts} }
	allow := func(a ...string) Statement { return Statement{Effect: "Allow", Action: a} }
	deny := func(a ...string) Statement { return Statement{Effect: "Deny", Action: a} }
	for _, c := range []struct {
		name   string
		ps     []Policy
		action string
		want   Decision
	}{
		{"nothing", nil, "ocr:generalText:create", DenyService},
		{"full access", []Policy{systemPolicies["OCR FullAccess"].Policy}, "ocr:generalText:create", Allow},
		{"read-only refuses a call", []Policy{systemPolicies["OCR ReadOnlyAccess"].Policy}, "ocr:generalText:create", DenyAction},
		{"read-only lets a query", []Policy{systemPolicies["Moderation ReadOnlyAccess"].Policy}, "moderation:video:get", Allow},
		{"other service", []Policy{systemPolicies["OCR FullAccess"].Policy}, "moderation:text:create", DenyService},
		{"tenant admin", []Policy{systemPolicies["Tenant Administrator"].Policy}, "image:tagging:create", Allow},
		{"explicit deny wins", []Policy{systemPolicies["OCR FullAccess"].Policy, pol(deny("ocr:idCard:*"))}, "ocr:idCard:create", DenyAction},
		{"deny elsewhere does not bite", []Policy{pol(allow("ocr:*:*"), deny("ocr:idCard:*"))}, "ocr:generalText:create", Allow},
		{"one operation", []Policy{pol(allow("moderation:text:create"))}, "moderation:text:create", Allow},
		{"one operation, not another", []Policy{pol(allow("moderation:text:create"))}, "moderation:image:create", DenyAction},
		{"case-insensitive", []Policy{pol(allow("OCR:GeneralText:Create"))}, "ocr:generalText:create", Allow},
	} {
		if got := Evaluate(c.ps, c.action); got != c.want {
			t.Errorf("%s: Evaluate(%s) = %v, want %v", c.name, c.action, got, c.want)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	good := `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:*:*","moderation:text:create"]}]}`
	if _, err := ParsePolicy([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"not json":        `{`,
		"version":         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ocr:*:*"]}]}`,
		"no statement":    `{"Version":"1.1","Statement":[]}`,
		"effect":          `{"Version":"1.1","Statement":[{"Effect":"Maybe","Action":["ocr:*:*"]}]}`,
		"no action":       `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":[]}]}`,
		"two segments":    `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:*"]}]}`,
		"empty segment":   `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr::create"]}]}`,
		"bad character":   `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:a/b:create"]}]}`,
		"condition":       `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:*:*"],"Condition":{"StringEquals":{"g:UserName":["x"]}}}]}`,
		"resource":        `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:*:*"],"Resource":["OBS:*:*:bucket:x"]}]}`,
		"trailing object": good + `{}`,
	} {
		if _, err := ParsePolicy([]byte(doc)); !errors.Is(err, ErrPolicy) {
			t.Errorf("%s: err = %v, want ErrPolicy", name, err)
		}
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(`{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:*:*"]}]}`))
	f.Add([]byte(`{"Version":"1.0","Statement":[{"Effect":"Deny","Action":["*:*:get*"]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePolicy(b)
		if err != nil {
			return
		}
		// Whatever parses evaluates, and every pattern matches itself:
		// an action a Deny names is denied, one only Allows name allowed
		// unless a Deny also matches.
		for _, s := range p.Statement {
			for _, a := range s.Action {
				d := Evaluate([]Policy{p}, a)
				if s.Effect == EffectDeny && d != DenyAction || d == DenyService {
					t.Fatalf("%s %q evaluates to %v", s.Effect, a, d)
				}
			}
		}
	})
}
