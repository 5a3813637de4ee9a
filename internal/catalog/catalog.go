// Package catalog is the single source of truth for every error code aisd can
// answer with: its HTTP status, published error_msg, zh/en description,
// handling measure, owning layer and the service families that use it.
//
// Errors raised below the gateway carry a semantic Kind and its arguments
// (E), or a code raised directly (New, with the constants of codes_gen.go);
// the one renderer at the HTTP edge resolves them with the route's family
// (Error.In, Write) and never translates foreign errors by their text.
package catalog

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Layer is the part of the system that owns a code.
type Layer string

const (
	LayerGateway      Layer = "gateway"      // APIG.*
	LayerPlatform     Layer = "platform"     // ModelArts.*
	LayerService      Layer = "service"      // AIS.*
	LayerSubscription Layer = "subscription" // AIP.*
)

// Family is a service family: the same condition may map to different codes
// in different families.
type Family string

const (
	FamilyOCR        Family = "ocr"
	FamilyImage      Family = "image"
	FamilyModeration Family = "moderation"
)

// FamilyAIP is the dialect of the management APIs (IAM, admin,
// subscription, quota, fault injection): the AI platform's AIP.* codes.
const FamilyAIP Family = "aip"

// Families lists every service family in a stable order.
var Families = []Family{FamilyOCR, FamilyImage, FamilyModeration}

// Dialects lists every family a route can render in: the service families
// and the management APIs' AIP dialect.
var Dialects = []Family{FamilyOCR, FamilyImage, FamilyModeration, FamilyAIP}

// Renderer returns a function rendering errors in family f, for answers
// written away from an HTTP route (asynchronous job results).
func Renderer(f Family) func(error) Rendered {
	return func(err error) Rendered { return Render(err, f) }
}

// Text is a bilingual text.
type Text struct {
	ZH string `yaml:"zh" json:"zh"`
	EN string `yaml:"en" json:"en"`
}

// Variant is another status the same code is published with (APIG.0201 is
// 413, 414, 500, 502 or 504 depending on the condition).
type Variant struct {
	Name    string `yaml:"name" json:"name"`
	Status  int    `yaml:"status" json:"status"`
	Message string `yaml:"message" json:"error_msg"`
}

// Entry is one code of the catalog.
type Entry struct {
	Code        string    `yaml:"code" json:"error_code"`
	Status      int       `yaml:"status" json:"status"`
	Message     string    `yaml:"message" json:"error_msg"`
	Description Text      `yaml:"description" json:"description"`
	Handling    Text      `yaml:"handling" json:"handling"`
	Layer       Layer     `yaml:"layer" json:"layer"`
	Families    []Family  `yaml:"families" json:"families"`
	Variants    []Variant `yaml:"variants,omitempty" json:"variants,omitempty"`
	// Messages holds the wording of a family whose seed page prints the
	// code differently from Message (which keeps the OCR-first wording).
	Messages map[Family]string `yaml:"messages,omitempty" json:"messages,omitempty"`
	// Seeds names the seed pages (by file prefix, "000".."004") that publish the code.
	Seeds []string `yaml:"seeds" json:"seeds"`
}

// UsedBy reports whether the family uses the code.
func (e *Entry) UsedBy(f Family) bool {
	for _, g := range e.Families {
		if g == f {
			return true
		}
	}
	return false
}

// MessageFor returns the error_msg the family publishes for the code: its
// own wording when its page prints one, else Message.
func (e *Entry) MessageFor(f Family) string {
	if m, ok := e.Messages[f]; ok {
		return m
	}
	return e.Message
}

// Variant returns the named variant, or false.
func (e *Entry) Variant(name string) (Variant, bool) {
	for _, v := range e.Variants {
		if v.Name == name {
			return v, true
		}
	}
	return Variant{}, false
}

type document struct {
	Codes []Entry                    `yaml:"codes"`
	Kinds map[Kind]map[Family]string `yaml:"kinds"`
}

//go:embed catalog.yaml
var raw []byte

var (
	entries []Entry
	byCode  map[string]*Entry
	kinds   map[Kind]map[Family]string
)

func init() {
	if err := load(raw); err != nil {
		panic("catalog: " + err.Error())
	}
}

func load(b []byte) error {
	var doc document
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	idx := make(map[string]*Entry, len(doc.Codes))
	for i := range doc.Codes {
		e := &doc.Codes[i]
		if _, dup := idx[e.Code]; dup {
			return fmt.Errorf("duplicate code %s", e.Code)
		}
		idx[e.Code] = e
		for f, m := range e.Messages {
			switch {
			case !e.UsedBy(f):
				return fmt.Errorf("%s: message for family %q, which is not in its families", e.Code, f)
			case strings.TrimSpace(m) == "":
				return fmt.Errorf("%s: empty message for family %s", e.Code, f)
			case m == e.Message:
				return fmt.Errorf("%s: message for family %s repeats the default message", e.Code, f)
			}
		}
	}
	for k, m := range doc.Kinds {
		for f, code := range m {
			if _, ok := idx[code]; !ok {
				return fmt.Errorf("kind %s/%s maps to unknown code %s", k, f, code)
			}
		}
	}
	sort.SliceStable(doc.Codes, func(i, j int) bool { return doc.Codes[i].Code < doc.Codes[j].Code })
	idx = make(map[string]*Entry, len(doc.Codes))
	for i := range doc.Codes {
		idx[doc.Codes[i].Code] = &doc.Codes[i]
	}
	entries, byCode, kinds = doc.Codes, idx, doc.Kinds
	return nil
}

// All returns every entry, sorted by code. Callers must not modify it.
func All() []Entry { return entries }

// Lookup returns the entry of a code.
func Lookup(code string) (*Entry, bool) {
	e, ok := byCode[code]
	return e, ok
}

// CodeFor returns the code a family uses for a semantic kind of error.
func CodeFor(k Kind, f Family) (string, bool) {
	c, ok := kinds[k][f]
	return c, ok
}

// KindTable returns the kind → family → code table (read-only).
func KindTable() map[Kind]map[Family]string { return kinds }
