package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"go.yaml.in/yaml/v3"
)

// Output formats of -o.
const (
	outTable = "table"
	outJSON  = "json"
	outYAML  = "yaml"
)

func checkOutput(f string) error {
	switch f {
	case outTable, outJSON, outYAML:
		return nil
	}
	return fmt.Errorf("-o %q: want table, json or yaml", f)
}

// col is a table column: its header and the dotted path of the value in a
// row ("" is the row itself, for lists of strings).
type col struct{ head, path string }

// view says how a command's answer is drawn as a table: root is the path of
// the rows (a list, or one object drawn as one row).
type view struct {
	root string
	cols []col
}

func cols(spec string) []col {
	var out []col
	for _, f := range strings.Fields(spec) {
		head, path, ok := strings.Cut(f, "=")
		if !ok {
			path = strings.ToLower(head)
		}
		out = append(out, col{head, path})
	}
	return out
}

var (
	domainCols     = cols("ID NAME STATE PAID CREATED=created_at")
	projectCols    = cols("ID NAME DOMAIN=domain_id")
	userCols       = cols("ID NAME DOMAIN=domain_id ADMIN")
	credentialCols = cols("ACCESS_KEY=access USER=user_id DESCRIPTION CREATED=created_at")
	faultCols      = cols("ID PROJECT=project_id API CODE MODE COUNT PERCENT LATENCY_MS=latency_ms CREATED=create_time")
	glossaryCols   = cols("NAME TYPE SUGGESTION WORDS=word_count DESCRIPTION UPDATED=updated_at")
	galleryCols    = cols("ID NAME PEOPLE=people DESCRIPTION UPDATED=updated_at")
	templateCols   = cols("ID NAME WIDTH HEIGHT ANCHORS=anchors AREAS=areas CREATED=create_time")
	classifierCols = cols("ID NAME TEMPLATES=template_ids CREATED=create_time")
)

// views are the tables of the admin commands, by command path after
// "aisd admin". A command without one gets a generic table.
var views = map[string]view{
	"domain create":         {"domain", domainCols},
	"domain list":           {"domains", domainCols},
	"domain freeze":         {"domain", domainCols},
	"domain unfreeze":       {"domain", domainCols},
	"domain restrict":       {"domain", domainCols},
	"domain paid":           {"domain", domainCols},
	"project list":          {"projects", projectCols},
	"project create":        {"project", projectCols},
	"project agency":        {"", cols("PROJECT=project_id SERVICE GRANTED")},
	"project set":           {"", cols("PROJECT=project_id KEY VALUE")},
	"project get":           {"", cols("PROJECT=project_id KEY VALUE")},
	"user list":             {"users", userCols},
	"user create":           {"user", userCols},
	"credential list":       {"credentials", credentialCols},
	"credential create":     {"credential", cols("ACCESS_KEY=access SECRET_KEY=secret USER=user_id DESCRIPTION")},
	"subscription list":     {"services", cols("SERVICE=")},
	"subscription add":      {"", cols("PROJECT=project_id SERVICE SUBSCRIBED")},
	"usage":                 {"usage", cols("DAY API CALLS SUCCESS")},
	"fault list":            {"faults", faultCols},
	"fault add":             {"", faultCols},
	"glossary list":         {"glossaries", glossaryCols},
	"glossary show":         {"", glossaryCols},
	"glossary create":       {"", glossaryCols},
	"glossary update":       {"", glossaryCols},
	"gallery list":          {"galleries", galleryCols},
	"gallery create":        {"", galleryCols},
	"gallery show":          {"people", cols("LABEL FACES")},
	"gallery add":           {"", cols("LABEL FACES")},
	"ocr-template list":     {"templates", templateCols},
	"ocr-template get":      {"", templateCols},
	"ocr-template create":   {"", templateCols},
	"ocr-classifier list":   {"classifiers", classifierCols},
	"ocr-classifier get":    {"", classifierCols},
	"ocr-classifier create": {"", classifierCols},
	"policy list":           {"policies", cols("NAME SYSTEM DESCRIPTION")},
	"sts list":              {"credentials", cols("ACCESS_KEY=access USER=user_id SOURCE ISSUED=issued_at EXPIRES=expires_at")},
}

// render writes an answer (decoded JSON, numbers as json.Number) in the
// chosen format; a table uses v when given.
func render(w io.Writer, format string, data any, v *view) error {
	switch format {
	case outJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(data)
	case outYAML:
		b, err := yaml.Marshal(yamlValue(data))
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	if v == nil {
		g := genericView(data)
		v = &g
	}
	return table(w, data, *v)
}

// table draws rows aligned with two spaces between columns, as kubectl.
func table(w io.Writer, data any, v view) error {
	root := lookup(data, v.root)
	var rows []any
	switch r := root.(type) {
	case []any:
		rows = r
	case nil:
	default:
		rows = []any{r}
	}
	if len(v.cols) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	heads := make([]string, len(v.cols))
	for i, c := range v.cols {
		heads[i] = c.head
	}
	fmt.Fprintln(tw, strings.Join(heads, "\t"))
	for _, r := range rows {
		cells := make([]string, len(v.cols))
		for i, c := range v.cols {
			cells[i] = cell(lookup(r, c.path))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// lookup follows a dotted path through objects.
func lookup(data any, path string) any {
	if path == "" {
		return data
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := data.(map[string]any)
		if !ok {
			return nil
		}
		data = m[k]
	}
	return data
}

// cell is one value as a table shows it: lists of scalars joined, other
// lists and objects counted, nothing as "-".
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		if x == "" {
			return "-"
		}
		// Tabs and newlines would break the alignment.
		return strings.NewReplacer("\t", " ", "\n", " ").Replace(x)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case []any:
		var parts []string
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				return strconv.Itoa(len(x))
			}
			parts = append(parts, cell(e))
		}
		if len(parts) == 0 {
			return "-"
		}
		return strings.Join(parts, ",")
	case map[string]any:
		// A small map of scalars or lists of scalars reads as k=v pairs
		// (a user's policies by project); anything deeper is counted.
		var ks []string
		for k, e := range x {
			if _, deep := e.(map[string]any); deep {
				return strconv.Itoa(len(x))
			}
			ks = append(ks, k)
		}
		if len(ks) == 0 {
			return "-"
		}
		slices.Sort(ks)
		parts := make([]string, len(ks))
		for i, k := range ks {
			parts[i] = k + "=" + cell(x[k])
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprint(v)
}

// genericView is the table of an answer no view describes: the objects of
// its one list, else its scalar fields as one row; columns in key order.
func genericView(data any) view {
	m, ok := data.(map[string]any)
	if !ok {
		if l, ok := data.([]any); ok && len(l) > 0 {
			return view{"", keyCols(l[0])}
		}
		return view{"", cols("VALUE=")}
	}
	var lists []string
	for k, v := range m {
		if l, ok := v.([]any); ok && (len(l) == 0 || isObject(l[0])) {
			lists = append(lists, k)
		}
	}
	if len(lists) == 1 {
		l := m[lists[0]].([]any)
		if len(l) == 0 {
			return view{lists[0], nil}
		}
		return view{lists[0], keyCols(l[0])}
	}
	return view{"", keyCols(m)}
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

func keyCols(v any) []col {
	m, ok := v.(map[string]any)
	if !ok {
		return cols("VALUE=")
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	// id and name first, as in the described tables.
	for _, first := range []string{"name", "id"} {
		if j := slices.Index(ks, first); j > 0 {
			ks = append([]string{first}, slices.Delete(ks, j, j+1)...)
		}
	}
	out := make([]col, len(ks))
	for i, k := range ks {
		out[i] = col{strings.ToUpper(k), k}
	}
	return out
}

// decodeAnswer decodes a JSON answer keeping numbers exact.
func decodeAnswer(raw []byte) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	return v, dec.Decode(&v)
}

// yamlValue turns json.Numbers into YAML numbers (they would be quoted
// strings otherwise).
func yamlValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = yamlValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlValue(e)
		}
		return out
	}
	return v
}
