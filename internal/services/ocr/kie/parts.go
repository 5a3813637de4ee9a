package kie

import (
	"fmt"
	"math"
	"sort"
)

// Parts of a page a spec reads beyond its own labelled fields: regions
// (blocks that repeat another block's labels — a bill's drawer and payee
// both print 全称 and 账号 — read with a spec of their own and their
// fields prefixed) and tables (item lists read by their header's
// columns).

// RegionSpec is a block of the page read with another built-in spec.
type RegionSpec struct {
	// Spec names the built-in spec read inside the block.
	Spec string `yaml:"spec"`
	// Prefix is put before each of its field names.
	Prefix string `yaml:"prefix"`
	// From is the label of the block's first line; with After, the first
	// such line at or below the After label's line (a label printed
	// twice on the page).
	From  string `yaml:"from"`
	After string `yaml:"after"`
	// Until ends the block at the first line below From holding one of
	// these labels (the page's end without one).
	Until []string `yaml:"until"`
	// Beside is the label heading the block printed beside this one on
	// From's row: a block left of it ends before that label, a block
	// right of it starts at its own From label.
	Beside string `yaml:"beside"`
	// Each cuts the block into records, one at each row holding this
	// label (a policy's insured persons, each starting at 姓名); every
	// record is read with Spec alone and becomes a row of the result's
	// table named List, its fields prefixed, instead of fields of the
	// page.
	Each string `yaml:"each"`
	List string `yaml:"list"`
}

// TableSpec is an item table: its header's columns, the column whose
// value starts a row, and the labels of the line that closes it.
type TableSpec struct {
	Name    string   `yaml:"name"`
	Key     string   `yaml:"key"`
	Stop    []string `yaml:"stop"`
	Columns []Column `yaml:"columns"`
}

// checkParts checks a spec's regions and tables once the specs are read.
func (s *Spec) checkParts(known func(string) bool) error {
	for _, r := range s.Regions {
		if r.From == "" || r.Prefix == "" {
			return fmt.Errorf("region %q: from and prefix are required", r.Spec)
		}
		if !known(r.Spec) {
			return fmt.Errorf("region: unknown spec %q", r.Spec)
		}
		if (r.Each == "") != (r.List == "") {
			return fmt.Errorf("region %q: each and list go together", r.Spec)
		}
	}
	for _, t := range s.Tables {
		ok := false
		for _, c := range t.Columns {
			ok = ok || c.Name == t.Key
		}
		if t.Name == "" || !ok {
			return fmt.Errorf("table %q: a name and a key among its columns are required", t.Name)
		}
	}
	return nil
}

// readParts adds the regions' fields and the tables' rows to res.
func readParts(p *Page, lines []*Line, s *Spec, res *Result) {
	for _, r := range s.Regions {
		sub, ok := builtin[r.Spec]
		if !ok {
			continue
		}
		in := regionLines(lines, r)
		if len(in) == 0 {
			continue
		}
		if r.Each != "" {
			for _, rec := range records(in, r.Each) {
				row := map[string]*Field{}
				for k, f := range extractLines(p, rec, sub).Fields {
					row[r.Prefix+k] = f
				}
				if len(row) == 0 {
					continue
				}
				if res.Tables == nil {
					res.Tables = map[string][]map[string]*Field{}
				}
				res.Tables[r.List] = append(res.Tables[r.List], row)
			}
			continue
		}
		for k, f := range extractLines(p, in, sub).Fields {
			if _, dup := res.Fields[r.Prefix+k]; !dup {
				res.Fields[r.Prefix+k] = f
			}
		}
	}
	for _, t := range s.Tables {
		items, ok := ReadItems(p, t.Columns, t.Key, t.Stop)
		if !ok {
			continue
		}
		if res.Tables == nil {
			res.Tables = map[string][]map[string]*Field{}
		}
		for _, row := range items.Rows {
			if row[t.Key] != nil {
				res.Tables[t.Name] = append(res.Tables[t.Name], row)
			}
		}
	}
}

// regionLines are the lines of a region's block.
func regionLines(lines []*Line, r RegionSpec) []*Line {
	top := math.Inf(-1)
	if r.After != "" {
		a := FindLine(lines, r.After)
		if a == nil {
			return nil
		}
		top = a.Y0 - 0.5*a.H()
	}
	re := labelRe(r.From)
	var from *Line
	for _, l := range lines {
		if l.Y0 >= top && re.MatchString(l.Text) && (from == nil || l.Y0 < from.Y0) {
			from = l
		}
	}
	if from == nil {
		return nil
	}
	y0, y1 := from.Y0-0.3*from.H(), math.Inf(1)
	for _, u := range r.Until {
		ure := labelRe(u)
		for _, l := range lines {
			if l.Y0 > from.Y1-0.2*from.H() && l.Y0 < y1 && ure.MatchString(l.Text) {
				y1 = l.Y0 - 0.1*l.H()
			}
		}
	}
	x0, x1 := math.Inf(-1), math.Inf(1)
	if r.Beside != "" {
		bre := labelRe(r.Beside)
		var b *Line
		for _, l := range lines {
			if l != from && bre.MatchString(l.Text) && (b == nil || math.Abs(l.CY()-from.CY()) < math.Abs(b.CY()-from.CY())) {
				b = l
			}
		}
		if b != nil && math.Abs(b.CY()-from.CY()) < 1.5*from.H() {
			if b.X0 > from.X0 {
				x1 = b.X0 - 0.5*b.H()
			} else {
				x0 = from.X0 - 0.5*from.H()
			}
		}
	}
	var out []*Line
	for _, l := range lines {
		cx := (l.X0 + l.X1) / 2
		if l.CY() >= y0 && l.CY() < y1 && cx >= x0 && cx < x1 {
			out = append(out, l)
		}
	}
	return out
}

// records cuts a block's lines at each row holding the label: a record
// runs from its label's row to the next one's; the lines above the first
// (the block's heading) go with the first. A block without the label is
// one record.
func records(lines []*Line, label string) [][]*Line {
	re := labelRe(label)
	var starts []*Line
	for _, l := range lines {
		if re.MatchString(l.Text) {
			starts = append(starts, l)
		}
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Y0 < starts[j].Y0 })
	// One cut per row: the label may be read twice on a row (two lines
	// the detector split).
	var cuts []float64
	for _, l := range starts {
		top := l.Y0 - 0.3*l.H()
		if n := len(cuts); n > 0 && top-cuts[n-1] < 0.8*l.H() {
			continue
		}
		cuts = append(cuts, top)
	}
	if len(cuts) < 2 {
		return [][]*Line{lines}
	}
	out := make([][]*Line, len(cuts))
	for _, l := range lines {
		i := sort.SearchFloat64s(cuts, l.CY()) - 1
		out[max(i, 0)] = append(out[max(i, 0)], l)
	}
	return out
}
