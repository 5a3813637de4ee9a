package kie

import (
	"embed"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Spec is a document type: what identifies it and the fields to read.
type Spec struct {
	Name string `yaml:"name"`
	// Anchors are printed texts (labels, titles) whose presence
	// identifies the document; Classify scores a page by them.
	Anchors []string    `yaml:"anchors"`
	Fields  []FieldSpec `yaml:"fields"`
	// Decoders are named Go decoders run over the whole page (the MRZ).
	Decoders []string `yaml:"decoders"`
	// JoinRows reads lines the detector split within a row as one (card
	// numbers printed in groups).
	JoinRows bool `yaml:"join_rows"`
	// Rename gives fields (decoders' among them) the names the document's
	// API answers them by.
	Rename map[string]string `yaml:"rename"`
	// Regions and Tables are the parts read beyond the labelled fields
	// (parts.go).
	Regions []RegionSpec `yaml:"regions"`
	Tables  []TableSpec  `yaml:"tables"`
}

// FieldSpec is one field of a document type.
type FieldSpec struct {
	// Name is the API's JSON field name; with named groups in Pattern
	// each group is a field of its own name instead.
	Name   string   `yaml:"name"`
	Labels []string `yaml:"labels"`
	// Pattern is what a value must match (after normalisation); its first
	// group, or its named groups, are the value.
	Pattern string `yaml:"pattern"`
	// Where lists where the value may be relative to its label, tried in
	// order: "same" (after the label on its line), "right" (the next line
	// on the same row), "below" (the line under the label), "above" (the
	// line over it: captions printed under their values).
	Where []string `yaml:"where"`
	// Anywhere: without a label (or a labelled value), take the first
	// line anywhere on the page whose text matches Pattern.
	Anywhere bool `yaml:"anywhere"`
	// Reread: when no value is found, or its validator refuses it, the
	// space right of a label that ends its line is read again without the
	// detector (a one-character value such as 女 can be missed by the
	// detector, or boxed too tight: 回 read as its inner 口).
	Reread bool `yaml:"reread"`
	// Lines > 1 lets the value continue on up to Lines lines below,
	// aligned with its first line (addresses).
	Lines int `yaml:"lines"`
	// Normalize names the normalisers applied in order (see normalizers).
	Normalize []string `yaml:"normalize"`
	// Validate names a validator (see validators).
	Validate string `yaml:"validate"`
	// Stars: the value may be masked with '*', which the recogniser
	// drops; the marks are looked for in the pixels (stars.go).
	Stars bool `yaml:"stars"`

	labelRes []*regexp.Regexp
	re       *regexp.Regexp
}

//go:embed specs/*.yaml
var specFS embed.FS

var builtin = map[string]*Spec{}

func init() {
	ents, err := specFS.ReadDir("specs")
	if err != nil {
		panic(err)
	}
	for _, e := range ents {
		data, err := specFS.ReadFile("specs/" + e.Name())
		if err != nil {
			panic(err)
		}
		s, err := ParseSpec(data)
		if err != nil {
			panic(fmt.Sprintf("kie: specs/%s: %v", e.Name(), err))
		}
		builtin[s.Name] = s
	}
	for n, s := range builtin {
		if err := s.checkParts(func(n string) bool { _, ok := builtin[n]; return ok }); err != nil {
			panic(fmt.Sprintf("kie: spec %s: %v", n, err))
		}
	}
}

// Builtin returns the shipped spec of a document type.
func Builtin(name string) (*Spec, bool) { s, ok := builtin[name]; return s, ok }

// BuiltinNames lists the shipped document types.
func BuiltinNames() []string {
	var out []string
	for n := range builtin {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ParseSpec reads and compiles a YAML spec.
func ParseSpec(data []byte) (*Spec, error) {
	var s Spec
	if err := yaml.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	if s.Name == "" {
		return nil, fmt.Errorf("spec without a name")
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Name == "" && (f.Pattern == "" || !strings.Contains(f.Pattern, "(?P<")) {
			return nil, fmt.Errorf("field %d has no name", i)
		}
		for _, l := range f.Labels {
			f.labelRes = append(f.labelRes, labelRe(l))
		}
		if f.Pattern != "" {
			re, err := regexp.Compile(f.Pattern)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			f.re = re
		}
		for _, n := range f.Normalize {
			if _, ok := normalizers[n]; !ok {
				return nil, fmt.Errorf("field %s: unknown normaliser %q", f.Name, n)
			}
		}
		if f.Validate != "" {
			if _, ok := validators[f.Validate]; !ok {
				return nil, fmt.Errorf("field %s: unknown validator %q", f.Name, f.Validate)
			}
		}
		for _, w := range f.Where {
			if w != "same" && w != "right" && w != "below" && w != "above" {
				return nil, fmt.Errorf("field %s: unknown place %q", f.Name, w)
			}
		}
		if len(f.Where) == 0 {
			f.Where = []string{"same", "right", "below"}
		}
	}
	for _, d := range s.Decoders {
		if _, ok := decoders[d]; !ok {
			return nil, fmt.Errorf("unknown decoder %q", d)
		}
	}
	return &s, nil
}

// labelRe matches a printed label whatever the spacing between its
// characters (cards space labels out: 姓 名), case-insensitively.
func labelRe(l string) *regexp.Regexp {
	var parts []string
	for _, r := range l {
		if r == ' ' {
			continue
		}
		switch r {
		case 'I', 'l':
			// Sans-serif I and l are one glyph to a recogniser.
			parts = append(parts, `[Il1|]`)
		case 'O', 'o':
			parts = append(parts, `[Oo0]`)
		case '(', '（':
			parts = append(parts, `[(（]`)
		case ')', '）':
			parts = append(parts, `[)）]`)
		default:
			parts = append(parts, regexp.QuoteMeta(string(r)))
		}
	}
	return regexp.MustCompile(`(?i)` + strings.Join(parts, `\s*`))
}

// Names lists the output field names of the spec.
func (s *Spec) Names() []string {
	var out []string
	for _, f := range s.Fields {
		if f.re != nil && strings.Contains(f.Pattern, "(?P<") {
			for _, n := range f.re.SubexpNames() {
				if n != "" {
					out = append(out, n)
				}
			}
			continue
		}
		out = append(out, f.Name)
	}
	return out
}
