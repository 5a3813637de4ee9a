// Package labels holds the reviewed Chinese and English tag names, and the
// tag categories, that Image Recognition answers for a detector's classes.
package labels

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed coco.yaml
var cocoYAML []byte

// Text is one name in the two languages the API answers in.
type Text struct {
	En string `yaml:"en"`
	Zh string `yaml:"zh"`
}

// In returns the text for language "en" or "zh" (anything else: zh, the
// API's default).
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.En
	}
	return t.Zh
}

// Label is the tag of one detector class.
type Label struct {
	Class string // the model's class name
	Tag   Text
	Type  Text // the tag's category
}

type file struct {
	Categories map[string]Text `yaml:"categories"`
	Labels     []struct {
		Class string `yaml:"class"`
		En    string `yaml:"en"`
		Zh    string `yaml:"zh"`
		Type  string `yaml:"type"`
	} `yaml:"labels"`
}

// parse reads a label table, refusing unknown fields, empty names, unknown
// categories and classes listed twice.
func parse(data []byte) (map[string]Label, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	for key, c := range f.Categories {
		if strings.TrimSpace(c.En) == "" || strings.TrimSpace(c.Zh) == "" {
			return nil, fmt.Errorf("labels: category %q lacks a name", key)
		}
	}
	out := make(map[string]Label, len(f.Labels))
	for _, l := range f.Labels {
		if strings.TrimSpace(l.En) == "" || strings.TrimSpace(l.Zh) == "" {
			return nil, fmt.Errorf("labels: class %q lacks a name", l.Class)
		}
		cat, ok := f.Categories[l.Type]
		if !ok {
			return nil, fmt.Errorf("labels: class %q has unknown type %q", l.Class, l.Type)
		}
		if _, dup := out[l.Class]; dup {
			return nil, fmt.Errorf("labels: class %q listed twice", l.Class)
		}
		out[l.Class] = Label{Class: l.Class, Tag: Text{En: l.En, Zh: l.Zh}, Type: cat}
	}
	return out, nil
}

// COCO returns the table for the COCO-80 classes, keyed by class name.
func COCO() (map[string]Label, error) { return parse(cocoYAML) }

// For returns the labels of a model's classes in class-index order; every
// class must have an entry, so a model whose class list changed cannot
// answer a tag without a reviewed name.
func For(classes []string) ([]Label, error) {
	table, err := COCO()
	if err != nil {
		return nil, err
	}
	out := make([]Label, len(classes))
	var missing []string
	for i, c := range classes {
		l, ok := table[c]
		if !ok {
			missing = append(missing, c)
			continue
		}
		out[i] = l
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("labels: no tag name for classes %q", missing)
	}
	return out, nil
}
