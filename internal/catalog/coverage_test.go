package catalog

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The coverage table, testdata/coverage.tsv, lists every (family, code)
// pair the seed pages publish (the codes of catalog.yaml by their seeds:
// page 000 is Image Recognition, 001 Moderation, 002–004 OCR) with how
// aisd raises it. One row per pair, tab-separated:
//
//	family  code  status  reference
//
// status is one of
//
//	e2e          reference is a test (dir.TestName) that raises the code
//	             on this family's routes over HTTP (SDK or raw requests)
//	unit         reference is a component's own test raising it (no HTTP)
//	shared       reference is a test raising it on another family's
//	             routes through a check that is the same for every family
//	gap          raised by aisd, but no test raises it yet: reference says
//	             where it is raised and what a test needs
//	pending      the feature is another issue's: reference is "issue N: …"
//	unreachable  reference says why no request can raise it
//
// TestCoverageTable fails for a pair without a row, a row that is no pair,
// and a test reference whose function does not exist or whose body does
// not name the code (its literal, its constant, or a Kind the catalog maps
// to it in that family).

var seedFamily = map[string]Family{"000": FamilyImage, "001": FamilyModeration, "002": FamilyOCR, "003": FamilyOCR, "004": FamilyOCR}

// SeedPairs returns the (family, code) pairs of the seed pages, sorted.
func seedPairs() [][2]string {
	seen := map[[2]string]bool{}
	var out [][2]string
	for _, e := range All() {
		for _, s := range e.Seeds {
			p := [2]string{string(seedFamily[s]), e.Code}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][1] != out[j][1] {
			return out[i][1] < out[j][1]
		}
		return out[i][0] < out[j][0]
	})
	return out
}

type coverageRow struct {
	family, code, status, ref string
	line                      int
}

func readCoverage(t *testing.T) []coverageRow {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "coverage.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []coverageRow
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 4 {
			t.Errorf("coverage.tsv:%d: %d fields, want 4 (family, code, status, reference)", n, len(parts))
			continue
		}
		rows = append(rows, coverageRow{parts[0], parts[1], parts[2], strings.TrimSpace(parts[3]), n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

var testRef = regexp.MustCompile(`^([a-z0-9_/]+)\.(Test[A-Za-z0-9_]+)$`)

func TestCoverageTable(t *testing.T) {
	pairs := seedPairs()
	if len(pairs) < 180 {
		t.Fatalf("only %d seed pairs: the catalog's seeds are broken", len(pairs))
	}
	want := map[[2]string]bool{}
	for _, p := range pairs {
		want[p] = true
	}
	rows := readCoverage(t)
	got := map[[2]string]int{}
	count := map[string]int{}
	bodies := testBodies{}
	for _, r := range rows {
		p := [2]string{r.family, r.code}
		where := fmt.Sprintf("coverage.tsv:%d (%s %s)", r.line, r.family, r.code)
		if !want[p] {
			t.Errorf("%s: not a pair of the seed pages", where)
		}
		if prev, dup := got[p]; dup {
			t.Errorf("%s: duplicate of line %d", where, prev)
		}
		got[p] = r.line
		count[r.status]++
		switch r.status {
		case "e2e", "unit", "shared":
			m := testRef.FindStringSubmatch(r.ref)
			if m == nil {
				t.Errorf("%s: reference %q is not dir.TestName", where, r.ref)
				continue
			}
			if r.status == "e2e" && !isE2EDir(m[1]) {
				t.Errorf("%s: %s is not an end-to-end test package", where, m[1])
			}
			body, err := bodies.get(m[1], m[2])
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			if !namesCode(body, r.code, Family(r.family)) {
				t.Errorf("%s: %s does not name %s (nor a kind mapped to it)", where, r.ref, r.code)
			}
		case "pending":
			if !regexp.MustCompile(`^issue \d+: .{10,}`).MatchString(r.ref) {
				t.Errorf("%s: pending reference %q must be \"issue N: what\"", where, r.ref)
			}
		case "gap", "unreachable":
			if len(r.ref) < 30 {
				t.Errorf("%s: the reason %q says too little", where, r.ref)
			}
		default:
			t.Errorf("%s: unknown status %q", where, r.status)
		}
	}
	for _, p := range pairs {
		if _, ok := got[p]; !ok {
			t.Errorf("coverage.tsv: no row for %s %s", p[0], p[1])
		}
	}
	t.Logf("%d pairs: %v", len(pairs), count)
}

func isE2EDir(dir string) bool {
	return dir == "internal/server" || dir == "cmd/aisd" || strings.HasPrefix(dir, "internal/services/")
}

// testBodies caches the source of test functions by package directory.
type testBodies map[string]map[string]string

func (b testBodies) get(dir, name string) (string, error) {
	fns, ok := b[dir]
	if !ok {
		fns = map[string]string{}
		root := filepath.Join("..", "..", filepath.FromSlash(dir))
		files, err := filepath.Glob(filepath.Join(root, "*_test.go"))
		if err != nil || len(files) == 0 {
			return "", fmt.Errorf("no test files in %s", dir)
		}
		for _, path := range files {
			src, err := os.ReadFile(path)
			if err != nil {
				return "", err
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, src, 0)
			if err != nil {
				return "", err
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
					fns[fd.Name.Name] = string(src[fset.Position(fd.Pos()).Offset:fset.Position(fd.End()).Offset])
				}
			}
		}
		b[dir] = fns
	}
	body, ok := fns[name]
	if !ok {
		return "", fmt.Errorf("no func %s in %s", name, dir)
	}
	return body, nil
}

var kindRef = regexp.MustCompile(`\bKind[A-Z][A-Za-z]*\b`)

// namesCode reports whether a test body names code: as a literal, as its
// generated constant, or by a Kind the catalog maps to it in family (or in
// the AIP dialect, for AIP codes).
func namesCode(body, code string, f Family) bool {
	if strings.Contains(body, `"`+code+`"`) || strings.Contains(body, code) {
		return true
	}
	if regexp.MustCompile(`\b` + regexp.QuoteMeta(strings.ReplaceAll(code, ".", "")) + `\b`).MatchString(body) {
		return true
	}
	for _, name := range kindRef.FindAllString(body, -1) {
		k, ok := kindByName[name]
		if !ok {
			continue
		}
		for _, fam := range []Family{f, FamilyAIP} {
			if c, ok := CodeFor(k, fam); ok && c == code {
				return true
			}
		}
	}
	return false
}

// unraisedKinds are the declared kinds no source raises yet, each with
// why; TestDeclaredKindsRaised keeps the list exact both ways.
var unraisedKinds = map[Kind]string{}

// TestDeclaredKindsRaised: every declared kind is raised somewhere in the
// source (catalog.E with the kind's constant), or listed in unraisedKinds
// with the reason; a kind listed there that is raised fails too, so the
// list cannot go stale.
func TestDeclaredKindsRaised(t *testing.T) {
	raised := map[Kind]bool{}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "third_party" || n == "testdata" || n == "models" || strings.HasPrefix(n, ".") && n != ".." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok && len(call.Args) > 0 && isE(call.Fun) {
				if k, ok := kindConst(call.Args[0]); ok {
					raised[k] = true
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range AllKinds {
		why, listed := unraisedKinds[k]
		switch {
		case raised[k] && listed:
			t.Errorf("kind %s is raised now: drop it from unraisedKinds (%q)", k, why)
		case !raised[k] && !listed:
			t.Errorf("kind %s is declared but never raised: raise it or say why in unraisedKinds", k)
		}
	}
}
