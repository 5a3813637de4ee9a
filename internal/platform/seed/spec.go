// Package seed applies a declarative description of accounts and their
// configuration — domains, projects, users, AK/SK pairs, subscriptions,
// agencies, settings, glossaries, OCR templates and classifiers, celebrity
// galleries, buckets with objects and fault rules — to an aisd instance
// (`aisd serve --init FILE`, AISD_INIT).
//
// Everything but the objects goes through the authenticated admin API, the
// same requests `aisd admin` sends, so a seed file is checked exactly as a
// person's commands are. Applying is idempotent: what exists (by name) is
// left as it is or brought to what the file says, and applying the same
// file twice changes nothing.
package seed

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// Spec is a seed file.
type Spec struct {
	Domains []Domain `yaml:"domains"`
	// dir resolves the relative file names of the spec (its own folder).
	dir string
}

// Domain is an account; "root" names the server's own.
type Domain struct {
	Name     string    `yaml:"name"`
	Paid     *bool     `yaml:"paid"`
	State    string    `yaml:"state"` // active, frozen or restricted
	Users    []User    `yaml:"users"`
	Projects []Project `yaml:"projects"`
}

// User is a user of a domain with its access keys.
type User struct {
	Name        string       `yaml:"name"`
	Password    string       `yaml:"password"`
	Admin       bool         `yaml:"admin"`
	Credentials []Credential `yaml:"credentials"`
	// Policies: project name (or "*") → the permission policies the user
	// holds there.
	Policies map[string][]string `yaml:"policies"`
}

// Credential is an AK/SK pair. With Access and Secret the pair is
// registered as given (fixed keys for tests); without, one is generated
// once per Description and reported.
type Credential struct {
	Access      string `yaml:"access"`
	Secret      string `yaml:"secret"`
	Description string `yaml:"description"`
}

// Project is a project (named like a region) and its configuration.
type Project struct {
	Name string `yaml:"name"`
	// Subscriptions are service keys (ocr.general-text); "*" is every
	// service the server answers.
	Subscriptions []string          `yaml:"subscriptions"`
	Agencies      []string          `yaml:"agencies"`
	Settings      map[string]string `yaml:"settings"`
	Glossaries    []Glossary        `yaml:"glossaries"`
	Templates     []Template        `yaml:"ocr_templates"`
	Classifiers   []Classifier      `yaml:"ocr_classifiers"`
	Galleries     []Gallery         `yaml:"galleries"`
	Buckets       []Bucket          `yaml:"buckets"`
	Faults        []Fault           `yaml:"faults"`
}

// Glossary is a text moderation glossary.
type Glossary struct {
	Name        string   `yaml:"name"`
	Type        string   `yaml:"type"`
	Suggestion  string   `yaml:"suggestion"`
	Description string   `yaml:"description"`
	Words       []string `yaml:"words"`
	WordsFile   string   `yaml:"words_file"`
}

// Template is a custom OCR template: the admin API's body, with the
// reference image given as a file.
type Template struct {
	Name      string   `yaml:"name"`
	ImageFile string   `yaml:"image_file"`
	URL       string   `yaml:"url"`
	Anchors   []Anchor `yaml:"anchors"`
	Areas     []Area   `yaml:"areas"`
}

// Anchor is printed text of a template; without a location the server
// finds it by OCR.
type Anchor struct {
	Text     string       `yaml:"text" json:"text"`
	Location [][2]float64 `yaml:"location" json:"location,omitempty"`
}

// Area is a named recognition area of a template.
type Area struct {
	Name     string       `yaml:"name" json:"name"`
	Location [][2]float64 `yaml:"location" json:"location"`
}

// Classifier is a named set of templates (by template name).
type Classifier struct {
	Name      string   `yaml:"name"`
	Templates []string `yaml:"templates"`
}

// Gallery is a celebrity gallery; enrolling people needs the image engine.
type Gallery struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	People      []Person `yaml:"people"`
}

// Person is one enrolled person and the photos of their face.
type Person struct {
	Label  string   `yaml:"label"`
	Photos []string `yaml:"photos"`
}

// Bucket is a bucket of the project's object storage.
type Bucket struct {
	Name    string   `yaml:"name"`
	Objects []Object `yaml:"objects"`
}

// Object is one object: from a file, or inline text.
type Object struct {
	Key         string  `yaml:"key"`
	File        string  `yaml:"file"`
	Content     *string `yaml:"content"`
	ContentType string  `yaml:"content_type"`
}

// Fault is a fault-injection rule, as `aisd admin fault add` takes it.
type Fault struct {
	API       string `yaml:"api"`
	Code      string `yaml:"code"`
	Mode      string `yaml:"mode"`
	Count     int    `yaml:"count"`
	Percent   int    `yaml:"percent"`
	LatencyMS int    `yaml:"latency_ms"`
}

// Load reads a seed file; unknown keys are errors (a typo must not seed
// less than the file says).
func Load(path string) (Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Spec{}, err
	}
	s, err := Parse(b)
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	s.dir = filepath.Dir(path)
	return s, nil
}

// Parse reads a seed document; relative file names resolve against the
// working directory.
func Parse(b []byte) (Spec, error) {
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return s, err
	}
	return s, s.check()
}

// check catches what the API cannot (it never sees the file's structure).
func (s Spec) check() error {
	seen := map[string]bool{}
	for i, d := range s.Domains {
		if d.Name == "" {
			return fmt.Errorf("domains[%d]: name is required", i)
		}
		if seen[d.Name] {
			return fmt.Errorf("domain %q is listed twice", d.Name)
		}
		seen[d.Name] = true
		for j, u := range d.Users {
			if u.Name == "" {
				return fmt.Errorf("domain %s: users[%d]: name is required", d.Name, j)
			}
			for k, c := range u.Credentials {
				if (c.Access == "") != (c.Secret == "") {
					return fmt.Errorf("domain %s: user %s: credentials[%d]: give both access and secret, or neither", d.Name, u.Name, k)
				}
			}
		}
		for j, p := range d.Projects {
			if p.Name == "" {
				return fmt.Errorf("domain %s: projects[%d]: name is required", d.Name, j)
			}
			for k, o := range p.Buckets {
				for l, ob := range o.Objects {
					if ob.Key == "" || (ob.File == "") == (ob.Content == nil) {
						return fmt.Errorf("domain %s: project %s: buckets[%d].objects[%d]: want a key and one of file or content", d.Name, p.Name, k, l)
					}
				}
			}
		}
	}
	return nil
}

func (s Spec) path(name string) string {
	if filepath.IsAbs(name) || s.dir == "" {
		return name
	}
	return filepath.Join(s.dir, name)
}
