package moderation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// Custom glossaries: per-project lists of terms a text (or the text of an
// image) is also checked against (black) or that clear what the lexicon
// found inside them (white). The cloud keeps them in its console; aisd
// has a management API (/v1/admin/projects/{project_id}/glossaries) and
// `aisd admin glossary`. Stored as store resources of kind GlossaryKind.

// GlossaryKind is the store resource kind of glossaries.
const GlossaryKind = "moderation.glossary"

// The console's limits.
const (
	MaxGlossaries       = 20
	MaxGlossaryWords    = 10000
	MaxGlossaryWordLen  = 50
	glossaryBodyLimit   = 2 << 20
	labelCustomized     = "customized"
	glossaryTypeBlack   = "black"
	glossaryTypeWhite   = "white"
	confGlossaryHit     = 1.0
	defaultGlossarySugg = sugBlock
)

var glossaryNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,50}$`)

// glossaryBody is the stored body (and the API's create/update body).
type glossaryBody struct {
	Name        string   `json:"name,omitempty"`
	Type        string   `json:"type"`
	Suggestion  string   `json:"suggestion,omitempty"`
	Description string   `json:"description,omitempty"`
	Words       []string `json:"words"`
}

// GlossaryView is the API's answer for one glossary.
type GlossaryView struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	Suggestion  string    `json:"suggestion,omitempty"`
	Description string    `json:"description,omitempty"`
	WordCount   int       `json:"word_count"`
	Words       []string  `json:"words,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// GlossaryList is the API's answer for a project's glossaries (no words).
type GlossaryList struct {
	Count      int            `json:"count"`
	Glossaries []GlossaryView `json:"glossaries"`
}

// Glossaries manages and compiles glossaries.
type Glossaries struct {
	st  store.Store
	now func() time.Time
	mu  sync.Mutex
	// cache: resource ID → compiled glossary of that UpdatedAt.
	cache map[string]*compiledGlossary
}

// NewGlossaries serves glossaries from st.
func NewGlossaries(st store.Store) *Glossaries {
	return &Glossaries{st: st, now: time.Now, cache: map[string]*compiledGlossary{}}
}

// compiledGlossary is a glossary ready to match.
type compiledGlossary struct {
	name, typ, suggestion string
	updated               time.Time
	m                     *matcher
}

// validate checks and cleans a body: trimmed, de-duplicated words.
func (b *glossaryBody) validate() error {
	if !glossaryNameRe.MatchString(b.Name) {
		return catalog.New(catalog.AIP0013, "name").Wrap(errors.New("name must match [A-Za-z0-9_-]{1,50}"))
	}
	switch b.Type {
	case "":
		b.Type = glossaryTypeBlack
	case glossaryTypeBlack, glossaryTypeWhite:
	default:
		return catalog.New(catalog.AIP0013, "type").Wrap(errors.New("type must be black or white"))
	}
	if b.Type == glossaryTypeWhite {
		b.Suggestion = ""
	} else {
		switch b.Suggestion {
		case "":
			b.Suggestion = defaultGlossarySugg
		case sugBlock, sugReview, sugPass:
		default:
			return catalog.New(catalog.AIP0013, "suggestion").Wrap(errors.New("suggestion must be block, review or pass"))
		}
	}
	if len(b.Words) == 0 {
		return catalog.New(catalog.AIP0006, "words")
	}
	seen := map[string]bool{}
	words := make([]string, 0, len(b.Words))
	for _, w := range b.Words {
		w = strings.TrimSpace(w)
		if w == "" || seen[w] {
			continue
		}
		if n := utf8.RuneCountInString(w); n > MaxGlossaryWordLen {
			return catalog.New(catalog.AIP0010, "words[].length", strconv.Itoa(n), "1", strconv.Itoa(MaxGlossaryWordLen))
		}
		if !utf8.ValidString(w) || len(normTerm(w)) == 0 {
			return catalog.New(catalog.AIP0013, "words").Wrap(fmt.Errorf("word %q has no letter or digit", w))
		}
		seen[w] = true
		words = append(words, w)
	}
	if len(words) == 0 {
		return catalog.New(catalog.AIP0006, "words")
	}
	if len(words) > MaxGlossaryWords {
		return catalog.New(catalog.AIP0010, "words", strconv.Itoa(len(words)), "1", strconv.Itoa(MaxGlossaryWords))
	}
	b.Words = words
	return nil
}

func view(r store.Resource, withWords bool) (GlossaryView, error) {
	var b glossaryBody
	if err := json.Unmarshal(r.Body, &b); err != nil {
		return GlossaryView{}, err
	}
	v := GlossaryView{ID: r.ID, Name: r.Name, Type: b.Type, Suggestion: b.Suggestion, Description: b.Description,
		WordCount: len(b.Words), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if withWords {
		v.Words = b.Words
	}
	return v, nil
}

// Handler serves /v1/admin/projects/{project_id}/glossaries[/{name}];
// allow decides whether the caller may manage the project.
func (g *Glossaries) Handler(allow func(ctx context.Context, projectID string) error) http.Handler {
	return api.InFamily(catalog.FamilyAIP, api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		project := r.PathValue("project_id")
		if project == "" {
			return catalog.New(catalog.AIP0006, "project_id")
		}
		if err := allow(r.Context(), project); err != nil {
			return err
		}
		name := r.PathValue("name")
		var err error
		switch {
		case name == "" && r.Method == http.MethodGet:
			err = g.serveList(w, r, project)
		case name == "" && r.Method == http.MethodPost:
			err = g.serveCreate(w, r, project)
		case name == "":
			return catalog.New(catalog.AIP0008, r.Method, "GET,POST")
		case r.Method == http.MethodGet:
			err = g.serveGet(w, r, project, name)
		case r.Method == http.MethodPut:
			err = g.serveUpdate(w, r, project, name)
		case r.Method == http.MethodDelete:
			err = g.serveDelete(w, r, project, name)
		default:
			return catalog.New(catalog.AIP0008, r.Method, "GET,PUT,DELETE")
		}
		return err
	}))
}

func readBody(w http.ResponseWriter, r *http.Request) (glossaryBody, error) {
	var b glossaryBody
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, glossaryBodyLimit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return b, catalog.New(catalog.AIP0016, "the body exceeds "+strconv.Itoa(glossaryBodyLimit)+" bytes")
		}
		return b, catalog.E(catalog.KindInternal).Wrap(err)
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return b, catalog.New(catalog.AIP0009).Wrap(err)
	}
	return b, nil
}

func notFound(name string) error {
	return catalog.New(catalog.AIP0016, "glossary "+name+" does not exist")
}

func (g *Glossaries) serveList(w http.ResponseWriter, r *http.Request, project string) error {
	rs, err := g.st.ListResources(r.Context(), GlossaryKind, project)
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	out := GlossaryList{Count: len(rs), Glossaries: make([]GlossaryView, 0, len(rs))}
	for _, res := range rs {
		v, err := view(res, false)
		if err != nil {
			return catalog.E(catalog.KindInternal).Wrap(err)
		}
		out.Glossaries = append(out.Glossaries, v)
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (g *Glossaries) serveCreate(w http.ResponseWriter, r *http.Request, project string) error {
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	if err := b.validate(); err != nil {
		return err
	}
	rs, err := g.st.ListResources(r.Context(), GlossaryKind, project)
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	if len(rs) >= MaxGlossaries {
		return catalog.New(catalog.AIP0010, "glossaries", strconv.Itoa(len(rs)+1), "0", strconv.Itoa(MaxGlossaries))
	}
	name := b.Name
	b.Name = ""
	body, _ := json.Marshal(b)
	now := g.now().UTC()
	res := store.Resource{Kind: GlossaryKind, Owner: project, ID: newID(), Name: name, Body: body, CreatedAt: now, UpdatedAt: now}
	if err := g.st.CreateResource(r.Context(), res); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return catalog.New(catalog.AIP0014, "glossary "+name)
		}
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	v, _ := view(res, false)
	api.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (g *Glossaries) get(ctx context.Context, project, name string) (store.Resource, error) {
	res, err := g.st.GetResourceByName(ctx, GlossaryKind, project, name)
	if errors.Is(err, store.ErrNotFound) {
		return res, notFound(name)
	}
	if err != nil {
		return res, catalog.E(catalog.KindInternal).Wrap(err)
	}
	return res, nil
}

func (g *Glossaries) serveGet(w http.ResponseWriter, r *http.Request, project, name string) error {
	res, err := g.get(r.Context(), project, name)
	if err != nil {
		return err
	}
	v, err := view(res, true)
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	api.WriteJSON(w, http.StatusOK, v)
	return nil
}

// serveUpdate replaces a glossary's type, suggestion, description and
// words; a name in the body renames it.
func (g *Glossaries) serveUpdate(w http.ResponseWriter, r *http.Request, project, name string) error {
	res, err := g.get(r.Context(), project, name)
	if err != nil {
		return err
	}
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	if b.Name == "" {
		b.Name = name
	}
	if err := b.validate(); err != nil {
		return err
	}
	res.Name = b.Name
	b.Name = ""
	res.Body, _ = json.Marshal(b)
	res.UpdatedAt = g.now().UTC()
	if !res.UpdatedAt.After(res.CreatedAt) {
		res.UpdatedAt = res.CreatedAt.Add(time.Nanosecond)
	}
	if err := g.st.UpdateResource(r.Context(), res); err != nil {
		switch {
		case errors.Is(err, store.ErrConflict):
			return catalog.New(catalog.AIP0014, "glossary "+res.Name)
		case errors.Is(err, store.ErrNotFound):
			return notFound(name)
		}
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	v, _ := view(res, false)
	api.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (g *Glossaries) serveDelete(w http.ResponseWriter, r *http.Request, project, name string) error {
	res, err := g.get(r.Context(), project, name)
	if err != nil {
		return err
	}
	if err := g.st.DeleteResource(r.Context(), GlossaryKind, project, res.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound(name)
		}
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	g.mu.Lock()
	delete(g.cache, res.ID)
	g.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resolve loads the named glossaries of project for a moderation call:
// black ones for glossary_names, white ones for white_glossary_names. An
// unknown name, or a glossary of the other type, is the request's
// parameter error.
func (g *Glossaries) resolve(ctx context.Context, project string, names []string, typ string) ([]*compiledGlossary, error) {
	if len(names) == 0 {
		return nil, nil
	}
	if g == nil {
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("no glossary store is configured"))
	}
	var out []*compiledGlossary
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		res, err := g.st.GetResourceByName(ctx, GlossaryKind, project, n)
		if errors.Is(err, store.ErrNotFound) {
			return nil, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("glossary %q does not exist", n))
		}
		if err != nil {
			return nil, catalog.E(catalog.KindInternal).Wrap(err)
		}
		cg, err := g.compile(res)
		if err != nil {
			return nil, catalog.E(catalog.KindInternal).Wrap(err)
		}
		if cg.typ != typ {
			return nil, catalog.E(catalog.KindBadParam).Wrap(fmt.Errorf("glossary %q is a %s glossary", n, cg.typ))
		}
		out = append(out, cg)
	}
	return out, nil
}

// compile builds (or takes from the cache) a glossary's automaton.
func (g *Glossaries) compile(res store.Resource) (*compiledGlossary, error) {
	g.mu.Lock()
	cg := g.cache[res.ID]
	g.mu.Unlock()
	if cg != nil && cg.updated.Equal(res.UpdatedAt) && cg.name == res.Name {
		return cg, nil
	}
	var b glossaryBody
	if err := json.Unmarshal(res.Body, &b); err != nil {
		return nil, err
	}
	ts := make([]term, 0, len(b.Words))
	for _, w := range b.Words {
		rs := normTerm(w)
		ts = append(ts, term{text: w, runes: rs, label: labelCustomized, severity: b.Suggestion, source: res.Name,
			glossary: res.Name, white: b.Type == glossaryTypeWhite, word: isWordTerm(rs)})
	}
	cg = &compiledGlossary{name: res.Name, typ: b.Type, suggestion: b.Suggestion, updated: res.UpdatedAt, m: newMatcher(ts)}
	g.mu.Lock()
	g.cache[res.ID] = cg
	g.mu.Unlock()
	return cg, nil
}

// newID is 32 lower-case hex digits, the cloud's id format.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
