package kie

import "testing"

// TestItemsRefit: a table row the detector read as one line, whose
// characters the recogniser placed drifting across the column bounds
// (B202 | 1-01-0 | 321:45), is cut again by the columns' patterns into
// its cells; rows read cell by cell, and columns without patterns, are
// read by position as before.
func TestItemsRefit(t *testing.T) {
	cols := []Column{
		{Name: "carrier", Labels: []string{"承运人"}},
		{Name: "flight", Labels: []string{"航班号"}, Pattern: `[A-Z0-9]{2}\d{3,4}`},
		{Name: "cabin_class", Labels: []string{"座位等级"}, Pattern: `[A-Z]`},
		{Name: "date", Labels: []string{"日期"}, Pattern: `\d{4}-\d{2}-\d{2}`},
		{Name: "time", Labels: []string{"时间"}, Pattern: `\d{2}:\d{2}`},
		{Name: "baggage", Labels: []string{"免费行李"}},
	}
	// Columns' bounds: 190, 330, 480, 680, 930 (20 px a character).
	p := page(
		"承运人", 100, 180, "航班号", 220, 180, "座位等级", 380, 180, "日期", 500, 180, "时间", 820, 180, "免费行李", 1000, 180,
		// Merged: B 2021-01-03 21:45 as one line from 390, its
		// characters straddling the columns (B202 | 1-01-0321 | :45).
		"川航", 100, 220, "3U4062", 200, 220, "B2021-01-0321:45", 390, 220, "20K", 1000, 220,
		// Read cell by cell.
		"国航", 100, 260, "CA4583", 200, 260, "F", 390, 260, "2021-01-04", 470, 260, "12:10", 820, 260, "20K", 1000, 260,
		// Merged, the whole text in one column: the cut reaches the next.
		"东航", 100, 300, "MU5101Y", 200, 300, "2021-01-05", 470, 300, "08:30", 820, 300, "20K", 1000, 300,
		"票价", 100, 340)
	it, ok := ReadItems(p, cols, "flight", []string{"票价"})
	if !ok {
		t.Fatal("no table")
	}
	want := []map[string]string{
		{"carrier": "川航", "flight": "3U4062", "cabin_class": "B", "date": "2021-01-03", "time": "21:45", "baggage": "20K"},
		{"carrier": "国航", "flight": "CA4583", "cabin_class": "F", "date": "2021-01-04", "time": "12:10", "baggage": "20K"},
		{"carrier": "东航", "flight": "MU5101", "cabin_class": "Y", "date": "2021-01-05", "time": "08:30", "baggage": "20K"},
	}
	if len(it.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(it.Rows), len(want))
	}
	for i, w := range want {
		for k, v := range w {
			if f := it.Rows[i][k]; f == nil || f.Value != v {
				t.Errorf("row %d: %s = %+v, want %q", i, k, f, v)
			}
		}
	}
}

// TestItemsInnerLabel: a column's label printed inside another column's
// longer label (日期 in 客票生效日期) does not head a column; the
// standalone one does, even when it sits a little off the header's row.
func TestItemsInnerLabel(t *testing.T) {
	cols := []Column{
		{Name: "flight", Labels: []string{"航班号"}},
		{Name: "cabin_class", Labels: []string{"座位等级"}},
		{Name: "date", Labels: []string{"日期"}},
		{Name: "time", Labels: []string{"时间"}},
		{Name: "effective_date", Labels: []string{"客票生效日期"}},
		{Name: "expiry_date", Labels: []string{"有效截止日期"}},
	}
	p := page(
		"航班号", 220, 180, "座位等级", 380, 180, "日期", 500, 183, "时间", 820, 180, "客票生效日期有效截止日期", 960, 180,
		"3U4062", 200, 220, "B", 390, 220, "2021-01-03", 490, 220, "21:45", 820, 220,
		"票价", 100, 260)
	it, ok := ReadItems(p, cols, "flight", []string{"票价"})
	if !ok || len(it.Rows) != 1 {
		t.Fatalf("rows %v ok %v", it.Rows, ok)
	}
	for k, v := range map[string]string{"flight": "3U4062", "cabin_class": "B", "date": "2021-01-03", "time": "21:45"} {
		if f := it.Rows[0][k]; f == nil || f.Value != v {
			t.Errorf("%s = %+v, want %q", k, f, v)
		}
	}
}
