// Package routes is the table of every API aisd answers: all paths of the
// official Go SDK's ocr/v1, image/v2 and moderation/v3 services, generated
// from the SDK's meta files (see tools/genroutes), and a matcher from method
// and path to route.
//
// Service keys name the unit of subscription and metering. The rule: the
// family, ".", then the path segments after the family's segment with
// {parameters} and a final "jobs" dropped, joined by "-":
// /v2/{project_id}/ocr/general-text → ocr.general-text,
// /v2/{project_id}/image/tagging → image.tagging,
// /v3/{project_id}/moderation/image/batch → moderation.image-batch, and both
// POST /v3/{project_id}/moderation/video/jobs and GET …/jobs/{job_id} →
// moderation.video.
package routes

import (
	"net/http"
	"strings"

	"github.com/aisd/aisd/internal/catalog"
)

//go:generate go run ../../../tools/genroutes -o routes_gen.go

// Route is one API of the table.
type Route struct {
	// SDK is the SDK service package ("ocr/v1", "image/v2", "moderation/v3").
	SDK    string
	Family catalog.Family
	// Operation is the SDK's operation name (RecognizeGeneralText).
	Operation string
	Method    string
	// Path is the template, e.g. /v3/{project_id}/moderation/video/jobs/{job_id}.
	Path string
	// Service is the subscription/metering key (see the package comment).
	Service string
	// ContentType is the request content type the SDK sends.
	ContentType string
	// Headers and Query are the request header and query parameters the SDK
	// may send for this API.
	Headers []string
	Query   []string
}

// MatchStatus is the outcome of Match.
type MatchStatus int

const (
	// NotFound: no route has this path (APIG.0101).
	NotFound MatchStatus = iota
	// Found: the route and its path parameters are returned.
	Found
	// MethodNotAllowed: the path exists for other methods only (the
	// family's method code, AIS.0013 or AIP.0008); the route returned is
	// one of them, for its family.
	MethodNotAllowed
)

func (s MatchStatus) String() string {
	switch s {
	case Found:
		return "found"
	case MethodNotAllowed:
		return "method not allowed"
	}
	return "not found"
}

// node is one path segment of the trie. Static children are tried before
// the parameter child, with backtracking.
type node struct {
	static  map[string]*node
	param   *node
	name    string // parameter name when this is a param node
	methods map[string]*Route
	// any is a route of this node for MethodNotAllowed answers, stable
	// across runs (the first in table order).
	any *Route
}

var root = build(table)

// actions holds the IAM action of each route of the table, computed once
// (the gateway authorizes every call by it).
var actions = func() map[*Route]string {
	m := make(map[*Route]string, len(table))
	for i := range table {
		m[&table[i]] = table[i].Action()
	}
	return m
}()

// ActionOf is r.Action(), precomputed for the routes Match returns.
func ActionOf(r *Route) string {
	if a, ok := actions[r]; ok {
		return a
	}
	return r.Action()
}

func build(rs []Route) *node {
	n := &node{}
	for i := range rs {
		r := &rs[i]
		cur := n
		for _, seg := range strings.Split(strings.TrimPrefix(r.Path, "/"), "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				name := seg[1 : len(seg)-1]
				if cur.param == nil {
					cur.param = &node{name: name}
				} else if cur.param.name != name {
					panic("routes: parameter {" + name + "} conflicts with {" + cur.param.name + "} in " + r.Path)
				}
				cur = cur.param
				continue
			}
			if cur.static == nil {
				cur.static = map[string]*node{}
			}
			next := cur.static[seg]
			if next == nil {
				next = &node{}
				cur.static[seg] = next
			}
			cur = next
		}
		if cur.methods == nil {
			cur.methods = map[string]*Route{}
			cur.any = r
		}
		if _, dup := cur.methods[r.Method]; dup {
			panic("routes: duplicate route " + r.Method + " " + r.Path)
		}
		cur.methods[r.Method] = r
	}
	return n
}

// Match finds the route of method and path, where path is the decoded
// request path (r.URL.Path). Paths are matched exactly: no trailing slash,
// no empty segments. params (only for Found) maps each {name} of the
// template to its segment.
func Match(method, path string) (r *Route, params map[string]string, status MatchStatus) {
	if len(path) < 2 || path[0] != '/' {
		return nil, nil, NotFound
	}
	var ps [maxParams]param
	n, k := walk(root, path[1:], &ps, 0)
	if n == nil {
		return nil, nil, NotFound
	}
	r, ok := n.methods[method]
	if !ok {
		return n.any, nil, MethodNotAllowed
	}
	if k > 0 {
		params = make(map[string]string, k)
		for _, p := range ps[:k] {
			params[p.name] = p.value
		}
	}
	return r, params, Found
}

// maxParams bounds the parameters of one template; the table has two.
const maxParams = 4

type param struct{ name, value string }

// walk descends one segment at a time, trying the static child before the
// parameter child; ps[:k] holds the parameter values met so far. It returns
// the node the whole path ends on and the number of parameters.
func walk(n *node, rest string, ps *[maxParams]param, k int) (*node, int) {
	seg, tail, more := strings.Cut(rest, "/")
	if seg == "" {
		return nil, 0
	}
	if c := n.static[seg]; c != nil {
		if l, j := descend(c, tail, more, ps, k); l != nil {
			return l, j
		}
	}
	if c := n.param; c != nil && k < maxParams {
		ps[k] = param{c.name, seg}
		if l, j := descend(c, tail, more, ps, k+1); l != nil {
			return l, j
		}
	}
	return nil, 0
}

func descend(c *node, tail string, more bool, ps *[maxParams]param, k int) (*node, int) {
	if !more {
		if c.methods == nil {
			return nil, 0
		}
		return c, k
	}
	return walk(c, tail, ps, k)
}

// All returns every route in table order (read-only).
func All() []Route { return table }

// Lookup returns the route of a family's SDK operation.
func Lookup(f catalog.Family, operation string) (*Route, bool) {
	for i := range table {
		if table[i].Family == f && table[i].Operation == operation {
			return &table[i], true
		}
	}
	return nil, false
}

// Allowed returns the methods a path accepts, for an Allow header; nil if
// the path is unknown.
func Allowed(path string) []string {
	if len(path) < 2 || path[0] != '/' {
		return nil
	}
	var ps [maxParams]param
	n, _ := walk(root, path[1:], &ps, 0)
	if n == nil {
		return nil
	}
	var ms []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if _, ok := n.methods[m]; ok {
			ms = append(ms, m)
		}
	}
	return ms
}

// Action is the permission an API call needs, in the IAM policy grammar
// service:resource:operation: the family, the service key's resource in
// lower camel case, and the operation by method — POST create, GET of one
// object (a path parameter after the project) get, other GETs list, PUT
// update, DELETE delete. POST /v3/{project_id}/moderation/text →
// moderation:text:create; GET …/moderation/video/jobs/{job_id} →
// moderation:video:get; POST /v2/{project_id}/ocr/general-text →
// ocr:generalText:create.
func (r Route) Action() string {
	fam, res, _ := strings.Cut(r.Service, ".")
	var b strings.Builder
	upper := false
	for _, c := range res {
		if c == '-' || c == '_' {
			upper = true
			continue
		}
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper = false
		b.WriteRune(c)
	}
	op := "create"
	switch r.Method {
	case http.MethodGet:
		op = "list"
		if _, after, ok := strings.Cut(r.Path, "{project_id}"); ok && strings.Contains(after, "{") {
			op = "get"
		}
	case http.MethodPut:
		op = "update"
	case http.MethodDelete:
		op = "delete"
	}
	return fam + ":" + b.String() + ":" + op
}
