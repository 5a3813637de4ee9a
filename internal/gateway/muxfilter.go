package gateway

import (
	"net/http"
	"strings"
)

// muxFilter tells, from the mux's patterns alone, the request paths no
// pattern can match, so that a service call skips the mux's lookup (which
// allocates a dozen times for a path it then does not match). It errs
// towards asking the mux: anything it cannot judge exactly (escaped or
// uncleaned paths, host patterns, CONNECT) is "could match".
type muxFilter struct {
	all  bool // ask the mux for every path
	root muxNode
}

// muxNode is a trie of the patterns' segments, so that a path is judged in
// one walk down its own segments instead of against every pattern (most of
// the server's patterns share /v1/admin).
type muxNode struct {
	lit   map[string]*muxNode
	wild  *muxNode // a {name} segment
	exact bool     // a pattern ends here
	pre   bool     // a pattern ending in "/" or {name...} ends here: longer paths match too
}

func (n *muxNode) child(seg string) *muxNode {
	if seg == "" {
		if n.wild == nil {
			n.wild = &muxNode{}
		}
		return n.wild
	}
	if n.lit == nil {
		n.lit = map[string]*muxNode{}
	}
	c := n.lit[seg]
	if c == nil {
		c = &muxNode{}
		n.lit[seg] = c
	}
	return c
}

func newMuxFilter(patterns []string) *muxFilter {
	f := &muxFilter{}
	for _, p := range patterns {
		if i := strings.IndexByte(p, ' '); i >= 0 {
			p = strings.TrimLeft(p[i+1:], " \t")
		}
		if !strings.HasPrefix(p, "/") {
			f.all = true // a host pattern
			continue
		}
		prefix := false
		rest := p[1:]
		if strings.HasSuffix(rest, "/") || rest == "" {
			prefix = true
			rest = strings.TrimSuffix(rest, "/")
		}
		if rest == "" {
			f.all = true // "/" matches every path
			continue
		}
		n := &f.root
		for _, s := range strings.Split(rest, "/") {
			switch {
			case s == "{$}":
				// The path ends in "/" right here; taken as a prefix (a
				// superset, which only means asking the mux).
				prefix = true
				continue
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "...}"):
				prefix = true
				continue
			case strings.HasPrefix(s, "{"):
				s = ""
			}
			n = n.child(s)
		}
		if n == &f.root {
			f.all = true // only wildcards: "/{path...}"
			continue
		}
		if prefix {
			n.pre = true
		} else {
			n.exact = true
		}
	}
	return f
}

// couldMatch reports whether some pattern might serve r (false only when
// none can).
func (f *muxFilter) couldMatch(r *http.Request) bool {
	if f == nil || f.all || r.Method == http.MethodConnect {
		return true
	}
	path := r.URL.Path
	if r.URL.RawPath != "" || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "%\\") ||
		strings.Contains(path, "//") || strings.Contains(path, "/./") || strings.Contains(path, "/../") ||
		strings.HasSuffix(path, "/.") || strings.HasSuffix(path, "/..") {
		return true // the mux cleans or unescapes it first: let it judge
	}
	return f.root.match(path[1:])
}

// match reports whether the path (without its leading "/") could match a
// pattern below n.
func (n *muxNode) match(path string) bool {
	seg, rest, more := strings.Cut(path, "/")
	for _, c := range [2]*muxNode{n.lit[seg], n.wild} {
		switch {
		case c == nil:
		case !more:
			// The path ends here: a match when a pattern does too, or when
			// only a trailing slash is missing (the mux redirects to it).
			if c.exact || c.pre {
				return true
			}
		case c.pre || c.match(rest):
			return true
		}
	}
	return false
}
