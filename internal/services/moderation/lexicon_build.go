package moderation

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// lexiconSource is one entry of lexicon/sources.yaml.
type lexiconSource struct {
	Path     string `yaml:"path"`
	Format   string `yaml:"format"` // "lines" (default) or "json-words"
	Category string `yaml:"category"`
	Severity string `yaml:"severity"`
	// Own lists were reviewed term by term; third-party terms go through
	// review/drop.txt and the automatic rules.
	Own     bool `yaml:"own"`
	Domains bool `yaml:"domains"`
}

// CompileLexicon reads the lexicon folder (sources.yaml, sources/,
// review/drop.txt) and returns compiled.tsv: one "term, category,
// severity, source" line per normalised term, the first source listing a
// term winning. `make lexicon` writes it; the detector embeds it.
func CompileLexicon(dir fs.FS) ([]byte, error) {
	b, err := fs.ReadFile(dir, "sources.yaml")
	if err != nil {
		return nil, err
	}
	var man struct {
		Sources []lexiconSource `yaml:"sources"`
	}
	if err := yaml.Unmarshal(b, &man); err != nil {
		return nil, fmt.Errorf("sources.yaml: %w", err)
	}
	drop := map[string]bool{}
	if b, err := fs.ReadFile(dir, "review/drop.txt"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			for _, w := range strings.Fields(line) {
				drop[string(normTerm(w))] = true
			}
		}
	} else {
		return nil, err
	}
	type entry struct{ term, category, severity, source, key string }
	seen := map[string]bool{}
	var out []entry
	for _, src := range man.Sources {
		if _, ok := textCategories[src.Category]; !ok {
			return nil, fmt.Errorf("%s: category %q", src.Path, src.Category)
		}
		if src.Severity != sugBlock && src.Severity != sugReview {
			return nil, fmt.Errorf("%s: severity %q", src.Path, src.Severity)
		}
		b, err := fs.ReadFile(dir, "sources/"+src.Path)
		if err != nil {
			return nil, err
		}
		type raw struct{ text, sev string }
		var terms []raw
		switch src.Format {
		case "", "lines":
			sc := bufio.NewScanner(bytes.NewReader(b))
			for n := 1; sc.Scan(); n++ {
				line := strings.TrimPrefix(sc.Text(), "\ufeff")
				if src.Own {
					if i := strings.IndexByte(line, '#'); i >= 0 {
						line = line[:i]
					}
				}
				text, sev, _ := strings.Cut(strings.TrimRight(line, " \r"), "\t")
				text = strings.TrimSpace(text)
				if text == "" {
					continue
				}
				if sev == "" || !src.Own {
					sev = src.Severity
				}
				if sev != sugBlock && sev != sugReview {
					return nil, fmt.Errorf("%s:%d: severity %q", src.Path, n, sev)
				}
				terms = append(terms, raw{text, sev})
			}
		case "json-words":
			var j struct {
				Words []string `json:"words"`
			}
			if err := json.Unmarshal(b, &j); err != nil {
				return nil, fmt.Errorf("%s: %w", src.Path, err)
			}
			for _, w := range j.Words {
				terms = append(terms, raw{strings.TrimSpace(w), src.Severity})
			}
		default:
			return nil, fmt.Errorf("%s: format %q", src.Path, src.Format)
		}
		for _, t := range terms {
			rs := normTerm(t.text)
			key := string(rs)
			switch {
			case len(rs) < 2:
				if src.Own {
					return nil, fmt.Errorf("%s: term %q too short to match safely", src.Path, t.text)
				}
				continue
			case seen[key]:
				continue
			case src.Own:
			case drop[key]:
				continue
			case src.Domains && !strings.Contains(t.text, "."):
				continue
			case !src.Domains && isWordTerm(rs) && len(rs) < 4:
				continue // short Latin abbreviations collide with ordinary words
			case allDigits(key):
				continue
			}
			seen[key] = true
			out = append(out, entry{t.text, src.Category, t.sev, src.Path, key})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].category != out[j].category {
			return out[i].category < out[j].category
		}
		return out[i].key < out[j].key
	})
	var w bytes.Buffer
	w.WriteString("# Compiled by `make lexicon` from sources.yaml; do not edit.\n# term\tcategory\tseverity\tsource\n")
	for _, e := range out {
		if strings.ContainsAny(e.term, "\t\n") {
			return nil, fmt.Errorf("%s: term %q has a tab or newline", e.source, e.term)
		}
		fmt.Fprintf(&w, "%s\t%s\t%s\t%s\n", e.term, e.category, e.severity, e.source)
	}
	return w.Bytes(), nil
}
