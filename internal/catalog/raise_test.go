package catalog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reachedBy names the families whose routes can answer an error raised in
// a file: the management APIs speak the AIP dialect, the gateway's shared
// checks answer for every route, everything else serves the service families.
func reachedBy(rel string) []Family {
	switch {
	case strings.HasPrefix(rel, "internal/admin/"),
		rel == "internal/platform/subscription/http.go", rel == "internal/platform/quota/http.go",
		rel == "internal/platform/fault/http.go", rel == "internal/gateway/iamapi.go",
		rel == "internal/server/adminsubs.go", rel == "internal/catalog/http.go":
		return []Family{FamilyAIP}
	case rel == "internal/gateway/gateway.go", rel == "internal/gateway/auth.go":
		return Dialects
	}
	return Families
}

// TestRaisedKindsHaveCodes walks the source for every kind raised with E
// and checks that each family that can reach the raising code has a code
// for it, so no condition falls back to an internal error.
func TestRaisedKindsHaveCodes(t *testing.T) {
	root := filepath.Join("..", "..")
	raised := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
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
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 || !isE(call.Fun) {
				return true
			}
			k, ok := kindConst(call.Args[0])
			if !ok {
				return true // a kind held in a variable; its table is checked where it is built
			}
			raised++
			for _, fam := range reachedBy(rel) {
				if _, ok := CodeFor(k, fam); !ok {
					t.Errorf("%s: kind %s is raised but has no code in family %s", fset.Position(call.Pos()), k, fam)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if raised < 50 {
		t.Fatalf("found only %d raised kinds; the walk is broken", raised)
	}
}

func isE(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && x.Name == "catalog" && f.Sel.Name == "E"
	case *ast.Ident:
		return f.Name == "E"
	}
	return false
}

// kindConst resolves catalog.KindX / KindX to its value.
func kindConst(e ast.Expr) (Kind, bool) {
	name := ""
	switch x := e.(type) {
	case *ast.SelectorExpr:
		name = x.Sel.Name
	case *ast.Ident:
		name = x.Name
	}
	if !strings.HasPrefix(name, "Kind") {
		return "", false
	}
	k, ok := kindByName[name]
	return k, ok
}

// kindByName maps each Kind constant's name to its value, parsed from kinds.go.
var kindByName = func() map[string]Kind {
	m := map[string]Kind{}
	f, err := parser.ParseFile(token.NewFileSet(), "kinds.go", nil, 0)
	if err != nil {
		panic(err)
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
						m[n.Name] = Kind(strings.Trim(lit.Value, `"`))
					}
				}
			}
		}
	}
	return m
}()

// TestCodesGenerated keeps codes_gen.go in step with catalog.yaml.
func TestCodesGenerated(t *testing.T) {
	b, err := os.ReadFile("codes_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(CodesSource()) {
		t.Fatal("codes_gen.go is stale: run go generate ./internal/catalog")
	}
}
