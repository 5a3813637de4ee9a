package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Policy is an IAM permission policy in the cloud's grammar:
//
//	{"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["ocr:*:*"]}]}
//
// Actions are service:resource:operation, each segment matched
// case-insensitively with "*" standing for any run of characters
// ("ocr:*:get*"). A matching Deny beats any Allow; with no matching Allow
// the action is denied. Version "1.0" is the grammar of the cloud's
// system roles (Tenant Administrator), "1.1" that of fine-grained
// policies; both evaluate alike here. Conditions and resources are
// refused: aisd has no resource-level permissions, and a policy that
// silently ignored them would grant more than it says.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one rule of a Policy.
type Statement struct {
	Effect string   `json:"Effect"`
	Action []string `json:"Action"`
}

// The effects a statement may have.
const (
	EffectAllow = "Allow"
	EffectDeny  = "Deny"
)

// ErrPolicy reports a policy document that does not follow the grammar.
var ErrPolicy = errors.New("iam: invalid policy")

// ParsePolicy decodes and validates a policy document. Unknown fields
// (Condition, Resource, anything misspelt) are refused, see Policy.
func ParsePolicy(b []byte) (Policy, error) {
	var p Policy
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	if dec.More() {
		return p, fmt.Errorf("%w: trailing data after the policy", ErrPolicy)
	}
	return p, p.Validate()
}

// Validate checks the grammar: a known version, at least one statement,
// each with an effect and well-formed actions.
func (p Policy) Validate() error {
	if p.Version != "1.0" && p.Version != "1.1" {
		return fmt.Errorf("%w: Version must be \"1.0\" or \"1.1\", got %q", ErrPolicy, p.Version)
	}
	if len(p.Statement) == 0 {
		return fmt.Errorf("%w: no Statement", ErrPolicy)
	}
	for i, s := range p.Statement {
		if !strings.EqualFold(s.Effect, EffectAllow) && !strings.EqualFold(s.Effect, EffectDeny) {
			return fmt.Errorf("%w: Statement[%d].Effect must be Allow or Deny, got %q", ErrPolicy, i, s.Effect)
		}
		if len(s.Action) == 0 {
			return fmt.Errorf("%w: Statement[%d] has no Action", ErrPolicy, i)
		}
		for _, a := range s.Action {
			if err := validAction(a); err != nil {
				return fmt.Errorf("%w: Statement[%d]: %v", ErrPolicy, i, err)
			}
		}
	}
	return nil
}

func validAction(a string) error {
	parts := strings.Split(a, ":")
	if len(parts) != 3 {
		return fmt.Errorf("action %q is not service:resource:operation", a)
	}
	for _, p := range parts {
		if p == "" {
			return fmt.Errorf("action %q has an empty segment", a)
		}
		for _, r := range p {
			if !(r == '*' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return fmt.Errorf("action %q has character %q", a, r)
			}
		}
	}
	return nil
}

// Decision is the outcome of evaluating policies for an action.
type Decision int

// The decisions, from the most to the least restrictive.
const (
	// DenyService: no statement allows any operation of the action's
	// service (the user holds nothing for it).
	DenyService Decision = iota
	// DenyAction: the service is granted in part, but not this operation,
	// or a Deny statement names it.
	DenyAction
	Allow
)

// Evaluate decides an action ("ocr:generalText:create") under a set of
// policies: an explicit Deny wins, then an Allow; with neither the action
// is denied, DenyService when nothing of the service is allowed at all.
func Evaluate(policies []Policy, action string) Decision {
	allowed, serviceTouched := false, false
	svc, _, _ := strings.Cut(action, ":")
	for _, p := range policies {
		for _, s := range p.Statement {
			for _, a := range s.Action {
				if !matchAction(a, action) {
					if strings.EqualFold(s.Effect, EffectAllow) && matchSegment(strings.SplitN(a, ":", 2)[0], svc) {
						serviceTouched = true
					}
					continue
				}
				if strings.EqualFold(s.Effect, EffectDeny) {
					return DenyAction
				}
				allowed = true
			}
		}
	}
	switch {
	case allowed:
		return Allow
	case serviceTouched:
		return DenyAction
	}
	return DenyService
}

// matchAction matches a policy action pattern against an action, segment
// by segment.
func matchAction(pattern, action string) bool {
	ps, as := strings.Split(pattern, ":"), strings.Split(action, ":")
	if len(ps) != 3 || len(as) != 3 {
		return false
	}
	for i := range ps {
		if !matchSegment(ps[i], as[i]) {
			return false
		}
	}
	return true
}

// matchSegment is a case-insensitive glob where "*" matches any run of
// characters (the classic two-pointer match with backtracking to the last
// star: linear in practice, never exponential).
func matchSegment(pattern, s string) bool {
	p, t := strings.ToLower(pattern), strings.ToLower(s)
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && p[pi] == t[ti]:
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
