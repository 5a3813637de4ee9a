package models

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// metaFile is written into a model directory last, after every file of the
// model has been verified: its presence marks a complete install.
const metaFile = "model.json"

// modulePath identifies aisd's own go.mod when looking for the repository.
const modulePath = "github.com/aisd/aisd"

// Errors a Manager's answers wrap; test with errors.Is.
var (
	ErrUnknown      = errors.New("unknown model")
	ErrNotInstalled = errors.New("not installed")
	ErrCorrupt      = errors.New("files do not match the manifest")
)

// Error says what is wrong with one model and how to fix it.
type Error struct {
	Model string
	File  string // empty when the problem is the whole model
	Err   error  // ErrUnknown, ErrNotInstalled or ErrCorrupt
	// Detail is shown after the reason (expected and actual hash, ...).
	Detail string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("model " + e.Model)
	if e.File != "" {
		b.WriteString(": " + e.File)
	}
	b.WriteString(": " + e.Err.Error())
	if e.Detail != "" {
		b.WriteString(" (" + e.Detail + ")")
	}
	if e.Err != ErrUnknown {
		b.WriteString("; run: aisd models install " + e.Model)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// HashError is a file whose content does not have the manifest's hash.
type HashError struct {
	File     string // where the file was read from (tarball entry or path)
	Expected string
	Actual   string
}

func (e *HashError) Error() string {
	return fmt.Sprintf("%s: sha256 mismatch: expected %s, got %s", e.File, e.Expected, e.Actual)
}

// Is makes a HashError match ErrCorrupt.
func (e *HashError) Is(target error) bool { return target == ErrCorrupt }

// Meta is the content of model.json.
type Meta struct {
	Name        string     `json:"name"`
	Source      string     `json:"source"` // npm package spec
	Version     string     `json:"version"`
	Files       []MetaFile `json:"files"`
	InstalledAt time.Time  `json:"installed_at"`
}

// MetaFile records one installed file.
type MetaFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// DefaultRoot is where models live: $AISD_MODELS_DIR, else the models
// directory of the aisd checkout the working directory is in, else
// ./models.
func DefaultRoot() string {
	if d := os.Getenv("AISD_MODELS_DIR"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return "models"
	}
	for dir := wd; ; {
		if isAisdModule(filepath.Join(dir, "go.mod")) {
			return filepath.Join(dir, "models")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return filepath.Join(wd, "models")
}

// isAisdModule reports whether path is aisd's go.mod, so that running aisd
// inside some other Go project does not put models there.
func isAisdModule(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}

// Manager installs and hands out the models of one root directory. It is
// safe for concurrent use.
type Manager struct {
	root   string
	list   []*Manifest
	byName map[string]*Manifest

	mu       sync.Mutex
	verified map[string]bool // models whose files passed a full hash check
}

// Open returns a manager for root using the manifest compiled into aisd.
// The embedded manifest is checked by this package's tests, so a broken one
// is a build defect and panics.
func Open(root string) *Manager {
	ms, err := Builtin()
	if err != nil {
		panic("models: embedded manifest is invalid: " + err.Error())
	}
	m, err := New(root, ms)
	if err != nil {
		panic("models: " + err.Error())
	}
	return m
}

// New returns a manager for root over the given entries.
func New(root string, ms []*Manifest) (*Manager, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	m := &Manager{root: abs, byName: map[string]*Manifest{}, verified: map[string]bool{}}
	for _, mf := range ms {
		if _, dup := m.byName[mf.Name]; dup {
			return nil, fmt.Errorf("model %s defined twice", mf.Name)
		}
		m.byName[mf.Name] = mf
		m.list = append(m.list, mf)
	}
	return m, nil
}

// Root is the absolute models directory.
func (m *Manager) Root() string { return m.root }

// Manifests lists every known model in name order.
func (m *Manager) Manifests() []*Manifest { return append([]*Manifest(nil), m.list...) }

// Manifest returns the entry for name.
func (m *Manager) Manifest(name string) (*Manifest, bool) {
	mf, ok := m.byName[name]
	return mf, ok
}

// Dir is the directory of one model.
func (m *Manager) Dir(name string) string { return filepath.Join(m.root, name) }

func (m *Manager) cacheDir() string { return filepath.Join(m.root, ".cache") }

// Path returns the absolute path of one file of an installed model. The
// model's files are hashed against the manifest the first time any of them
// is asked for; later calls answer from that result.
func (m *Manager) Path(name, file string) (string, error) {
	mf, ok := m.byName[name]
	if !ok {
		return "", &Error{Model: name, Err: ErrUnknown, Detail: "known: " + strings.Join(m.names(), ", ")}
	}
	if _, ok := mf.expected()[file]; !ok {
		return "", &Error{Model: name, File: file, Err: ErrUnknown,
			Detail: "the model's files are " + strings.Join(mf.fileNames(), ", ")}
	}
	m.mu.Lock()
	ok = m.verified[name]
	m.mu.Unlock()
	if !ok {
		if err := m.check(context.Background(), mf); err != nil {
			return "", err
		}
		m.markVerified(name, true)
	}
	return filepath.Join(m.Dir(name), file), nil
}

func (m *Manager) markVerified(name string, ok bool) {
	m.mu.Lock()
	m.verified[name] = ok
	m.mu.Unlock()
}

func (m *Manager) names() []string {
	out := make([]string, len(m.list))
	for i, mf := range m.list {
		out[i] = mf.Name
	}
	return out
}

// Defaults are the models installed when none is named: those some engine
// loads.
func (m *Manager) Defaults() []string {
	var out []string
	for _, mf := range m.list {
		if mf.Default() {
			out = append(out, mf.Name)
		}
	}
	return out
}

// resolve maps names to entries; none means the default models, and also
// the optional ones that are (or were partly) installed when withPresent.
func (m *Manager) resolve(names []string, withPresent bool) ([]*Manifest, error) {
	if len(names) == 0 {
		var out []*Manifest
		for _, mf := range m.list {
			if mf.Default() {
				out = append(out, mf)
			} else if _, err := os.Stat(m.Dir(mf.Name)); withPresent && err == nil {
				out = append(out, mf)
			}
		}
		return out, nil
	}
	var out []*Manifest
	var errs []error
	seen := map[string]bool{}
	for _, n := range names {
		mf, ok := m.byName[n]
		if !ok {
			errs = append(errs, &Error{Model: n, Err: ErrUnknown, Detail: "known: " + strings.Join(m.names(), ", ")})
			continue
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, mf)
		}
	}
	return out, errors.Join(errs...)
}

// readMeta loads model.json of an installed model.
func (m *Manager) readMeta(name string) (*Meta, error) {
	data, err := os.ReadFile(filepath.Join(m.Dir(name), metaFile))
	if err != nil {
		return nil, err
	}
	var meta Meta
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("%s: %w", metaFile, err)
	}
	return &meta, nil
}

// check verifies that a model is completely installed at the manifest's
// version and that every file has the manifest's hash.
func (m *Manager) check(ctx context.Context, mf *Manifest) error {
	meta, err := m.readMeta(mf.Name)
	if errors.Is(err, os.ErrNotExist) {
		return &Error{Model: mf.Name, Err: ErrNotInstalled, Detail: "nothing complete in " + m.Dir(mf.Name)}
	}
	if err != nil {
		return &Error{Model: mf.Name, Err: ErrCorrupt, Detail: err.Error()}
	}
	if meta.Source != mf.Source.Spec() {
		return &Error{Model: mf.Name, Err: ErrNotInstalled,
			Detail: fmt.Sprintf("installed from %s, the manifest wants %s", meta.Source, mf.Source.Spec())}
	}
	want := mf.expected()
	for _, name := range mf.fileNames() {
		if err := ctx.Err(); err != nil {
			return err
		}
		got, _, err := hashFile(filepath.Join(m.Dir(mf.Name), name))
		if errors.Is(err, os.ErrNotExist) {
			return &Error{Model: mf.Name, File: name, Err: ErrCorrupt, Detail: "file missing"}
		}
		if err != nil {
			return &Error{Model: mf.Name, File: name, Err: ErrCorrupt, Detail: err.Error()}
		}
		if got != want[name] {
			return &Error{Model: mf.Name, File: name, Err: ErrCorrupt,
				Detail: fmt.Sprintf("sha256 expected %s, got %s", want[name], got)}
		}
	}
	return nil
}

// Status is the state of one model on disk.
type Status struct {
	Manifest    *Manifest
	Installed   bool      // model.json present at the manifest's version
	Verified    bool      // every file has the manifest's hash
	InstalledAt time.Time // from model.json
	Err         error     // why the model is not verified
}

// State is a one-word summary for listings.
func (s Status) State() string {
	switch {
	case s.Verified:
		return "verified"
	case errors.Is(s.Err, ErrCorrupt):
		return "corrupt"
	case s.Installed:
		return "unverified"
	default:
		return "missing"
	}
}

// List reports every model with its state. Files are hashed unless the
// model has already been verified by this manager.
func (m *Manager) List(ctx context.Context) []Status {
	out := make([]Status, 0, len(m.list))
	for _, mf := range m.list {
		out = append(out, m.status(ctx, mf, false))
	}
	return out
}

// Verify re-hashes the named models and returns their state; the error
// joins every failure. With no names it checks the default models and the
// optional ones present in the directory.
func (m *Manager) Verify(ctx context.Context, names []string) ([]Status, error) {
	mfs, err := m.resolve(names, true)
	if err != nil {
		return nil, err
	}
	var out []Status
	var errs []error
	for _, mf := range mfs {
		st := m.status(ctx, mf, true)
		out = append(out, st)
		if st.Err != nil {
			errs = append(errs, st.Err)
		}
	}
	return out, errors.Join(errs...)
}

func (m *Manager) status(ctx context.Context, mf *Manifest, force bool) Status {
	st := Status{Manifest: mf}
	if meta, err := m.readMeta(mf.Name); err == nil {
		st.Installed = meta.Source == mf.Source.Spec()
		st.InstalledAt = meta.InstalledAt
	}
	m.mu.Lock()
	cached := m.verified[mf.Name]
	m.mu.Unlock()
	if cached && !force {
		st.Verified = true
		return st
	}
	st.Err = m.check(ctx, mf)
	st.Verified = st.Err == nil
	m.markVerified(mf.Name, st.Verified)
	return st
}

// hashFile returns the SHA-256 (hex) and size of a file.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Labels returns a model's class names: the inline list, or the lines of
// its labels file (verified like any other file of the model).
func (m *Manager) Labels(name string) ([]string, error) {
	mf, ok := m.byName[name]
	if !ok {
		return nil, &Error{Model: name, Err: ErrUnknown, Detail: "known: " + strings.Join(m.names(), ", ")}
	}
	if mf.Labels == nil {
		return nil, fmt.Errorf("model %s has no labels", name)
	}
	if len(mf.Labels.Inline) > 0 {
		return append([]string(nil), mf.Labels.Inline...), nil
	}
	p, err := m.Path(name, mf.Labels.File)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	// One label a line; the last line may lack its newline.
	text := strings.TrimSuffix(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	return strings.Split(text, "\n"), nil
}
