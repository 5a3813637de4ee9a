// Command genroutes writes internal/gateway/routes/routes_gen.go, the route
// table of every API the official Go SDK knows for the services aisd
// serves. It reads the SDK's generated *_meta.go files (one GenReqDefForX
// function per API) from the module cache with go/ast, so the table follows
// the SDK version pinned in go.mod.
//
// Usage (from internal/gateway/routes, via go generate):
//
//	go run ../../../tools/genroutes -o routes_gen.go
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const sdkModule = "github.com/huaweicloud/huaweicloud-sdk-go-v3"

// service is one SDK service package aisd serves.
type service struct {
	Dir     string // package directory inside the SDK module
	File    string // its meta file
	Family  string // catalog family constant name
	Segment string // the path segment after {project_id} all its APIs share
}

var services = []service{
	{"services/ocr/v1", "ocr_meta.go", "FamilyOCR", "ocr"},
	{"services/image/v2", "image_meta.go", "FamilyImage", "image"},
	{"services/moderation/v3", "moderation_meta.go", "FamilyModeration", "moderation"},
}

// route is one API as the meta file declares it.
type route struct {
	SDK         string // "ocr/v1"
	Family      string
	Operation   string
	Method      string
	Path        string
	Service     string
	ContentType string
	Headers     []string // request header parameters (JSON tags)
	Query       []string // query parameters
}

func main() {
	out := flag.String("o", "routes_gen.go", "output file")
	sdkDir := flag.String("sdk", "", "SDK module directory (default: from go list -m)")
	version := flag.String("version", "", "SDK version recorded in the output (default: from go list -m)")
	flag.Parse()
	if err := run(*out, *sdkDir, *version); err != nil {
		fmt.Fprintln(os.Stderr, "genroutes:", err)
		os.Exit(1)
	}
}

func run(out, dir, version string) error {
	if dir == "" || version == "" {
		d, v, err := locateSDK()
		if err != nil {
			return err
		}
		if dir == "" {
			dir = d
		}
		if version == "" {
			version = v
		}
	}
	src, err := generate(dir, version)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// locateSDK asks the go command where the SDK version in go.mod lives.
func locateSDK() (dir, version string, err error) {
	b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}\t{{.Version}}", sdkModule).Output()
	if err != nil {
		return "", "", fmt.Errorf("go list -m %s: %w (run go mod download)", sdkModule, err)
	}
	dir, version, _ = strings.Cut(strings.TrimSpace(string(b)), "\t")
	if dir == "" {
		return "", "", fmt.Errorf("module %s is not downloaded (run go mod download)", sdkModule)
	}
	return dir, version, nil
}

// generate returns the formatted Go source of the route table.
func generate(sdkDir, version string) ([]byte, error) {
	var all []route
	for _, s := range services {
		rs, err := parseMeta(filepath.Join(sdkDir, s.Dir, s.File), s)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
	}
	if err := check(all); err != nil {
		return nil, err
	}
	return render(all, version)
}

// parseMeta reads every GenReqDefForX function of one meta file.
func parseMeta(file string, s service) ([]route, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		return nil, err
	}
	sdk := strings.TrimPrefix(s.Dir, "services/")
	var out []route
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "GenReqDefFor") || fn.Body == nil {
			continue
		}
		r := route{SDK: sdk, Family: s.Family, Operation: strings.TrimPrefix(fn.Name.Name, "GenReqDefFor")}
		if err := readDef(fn.Body, &r); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", fset.Position(fn.Pos()), fn.Name.Name, err)
		}
		svc, err := serviceKey(r.Path, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", fset.Position(fn.Pos()), fn.Name.Name, err)
		}
		r.Service = svc
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no GenReqDefFor functions", file)
	}
	return out, nil
}

// readDef collects the builder calls of one request definition: WithMethod,
// WithPath and WithContentType on the request builder, and the location of
// each WithRequestField (response fields are ignored).
func readDef(body *ast.BlockStmt, r *route) error {
	var err error
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || err != nil {
			return err == nil
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		switch sel.Sel.Name {
		case "WithMethod":
			m, e := methodArg(call)
			if e != nil {
				err = e
			}
			r.Method = m
		case "WithPath":
			r.Path, err = stringArg(call)
		case "WithContentType":
			r.ContentType, err = stringArg(call)
		case "WithResponseField":
			return false
		case "WithRequestField":
			if len(call.Args) != 1 {
				err = errors.New("WithRequestField: want one argument")
				return false
			}
			tag, loc, e := fieldDef(call.Args[0])
			if e != nil {
				err = e
				return false
			}
			switch loc {
			case "Header":
				r.Headers = append(r.Headers, tag)
			case "Query":
				r.Query = append(r.Query, tag)
			case "Path":
				if !strings.Contains(r.Path, "{"+tag+"}") && r.Path != "" {
					err = fmt.Errorf("path parameter %q not in path %q", tag, r.Path)
				}
			case "Body", "Form", "Cname":
			default:
				err = fmt.Errorf("unknown location %q", loc)
			}
			// The field chain holds no builder calls of interest.
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	switch {
	case r.Method == "":
		return errors.New("no WithMethod")
	case r.Path == "":
		return errors.New("no WithPath")
	}
	sort.Strings(r.Headers)
	sort.Strings(r.Query)
	return nil
}

// fieldDef reads def.NewFieldDef().WithName(..).WithJsonTag(..).WithLocationType(def.X).
func fieldDef(e ast.Expr) (tag, loc string, err error) {
	var name string
	for {
		call, ok := e.(*ast.CallExpr)
		if !ok {
			break
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			break
		}
		switch sel.Sel.Name {
		case "WithName":
			name, err = stringArg(call)
		case "WithJsonTag":
			tag, err = stringArg(call)
		case "WithLocationType":
			if len(call.Args) == 1 {
				if s, ok := call.Args[0].(*ast.SelectorExpr); ok {
					loc = s.Sel.Name
				}
			}
		}
		if err != nil {
			return "", "", err
		}
		e = sel.X
	}
	if loc == "" {
		return "", "", fmt.Errorf("field %q has no location", name)
	}
	if tag == "" {
		tag = name
	}
	return tag, loc, nil
}

func stringArg(call *ast.CallExpr) (string, error) {
	if len(call.Args) != 1 {
		return "", errors.New("want one argument")
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", fmt.Errorf("argument is not a string literal")
	}
	return strconv.Unquote(lit.Value)
}

// methodArg accepts http.MethodX or a string literal.
func methodArg(call *ast.CallExpr) (string, error) {
	if len(call.Args) != 1 {
		return "", errors.New("WithMethod: want one argument")
	}
	if sel, ok := call.Args[0].(*ast.SelectorExpr); ok && strings.HasPrefix(sel.Sel.Name, "Method") {
		return strings.ToUpper(strings.TrimPrefix(sel.Sel.Name, "Method")), nil
	}
	s, err := stringArg(call)
	return strings.ToUpper(s), err
}

// serviceKey derives the subscription and metering unit of an API: the
// family, a dot, then the path segments after the family's own segment with
// {parameters} and a final "jobs" dropped, joined by "-". So
// /v2/{project_id}/ocr/general-text is ocr.general-text,
// /v3/{project_id}/moderation/image/batch is moderation.image-batch, and a
// job's creation and query (/moderation/video/jobs[/{job_id}]) share
// moderation.video.
func serviceKey(path string, s service) (string, error) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) < 4 || segs[1] != "{project_id}" || segs[2] != s.Segment {
		return "", fmt.Errorf("path %q is not /vN/{project_id}/%s/…", path, s.Segment)
	}
	var parts []string
	for _, p := range segs[3:] {
		if strings.HasPrefix(p, "{") {
			continue
		}
		parts = append(parts, p)
	}
	if n := len(parts); n > 1 && parts[n-1] == "jobs" {
		parts = parts[:n-1]
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("path %q names no API", path)
	}
	return strings.ToLower(s.Segment) + "." + strings.Join(parts, "-"), nil
}

// check refuses tables the matcher could not serve unambiguously.
func check(all []route) error {
	seen := map[string]string{}
	ops := map[string]bool{}
	for _, r := range all {
		k := r.Method + " " + r.Path
		if prev, dup := seen[k]; dup {
			return fmt.Errorf("%s declared by both %s and %s", k, prev, r.Operation)
		}
		seen[k] = r.Operation
		if ops[r.Family+"."+r.Operation] {
			return fmt.Errorf("operation %s declared twice in %s", r.Operation, r.Family)
		}
		ops[r.Family+"."+r.Operation] = true
	}
	return nil
}

func render(all []route, version string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by tools/genroutes from %s@%s; DO NOT EDIT.\n\n", sdkModule, version)
	b.WriteString("package routes\n\nimport \"github.com/aisd/aisd/internal/catalog\"\n\n")
	b.WriteString("// SDKVersion is the SDK release the table was generated from.\n")
	fmt.Fprintf(&b, "const SDKVersion = %q\n\n", version)
	b.WriteString("var table = []Route{\n")
	for _, r := range all {
		fmt.Fprintf(&b, "\t{SDK: %q, Family: catalog.%s, Operation: %q, Method: %q, Path: %q, Service: %q, ContentType: %q",
			r.SDK, r.Family, r.Operation, r.Method, r.Path, r.Service, r.ContentType)
		if len(r.Headers) > 0 {
			fmt.Fprintf(&b, ", Headers: %#v", r.Headers)
		}
		if len(r.Query) > 0 {
			fmt.Fprintf(&b, ", Query: %#v", r.Query)
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
