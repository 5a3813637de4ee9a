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
	pats []muxPattern
}

type muxPattern struct {
	segs   []string // "" for a wildcard segment
	prefix bool     // ends in "/" or {name...}: matches longer paths too
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
		var mp muxPattern
		rest := p[1:]
		if strings.HasSuffix(rest, "/") || rest == "" {
			mp.prefix = true
			rest = strings.TrimSuffix(rest, "/")
		}
		if rest == "" {
			f.all = true // "/" matches every path
			continue
		}
		for _, s := range strings.Split(rest, "/") {
			switch {
			case s == "{$}":
				// The path ends in "/" right here; taken as a prefix (a
				// superset, which only means asking the mux).
				mp.prefix = true
				continue
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "...}"):
				mp.prefix = true
				continue
			case strings.HasPrefix(s, "{"):
				s = ""
			}
			mp.segs = append(mp.segs, s)
		}
		f.pats = append(f.pats, mp)
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
	for i := range f.pats {
		if f.pats[i].match(path[1:]) {
			return true
		}
	}
	return false
}

// match reports whether the path (without its leading "/") could match.
func (p *muxPattern) match(path string) bool {
	for i, s := range p.segs {
		seg, rest, more := strings.Cut(path, "/")
		if s != "" && seg != s {
			return false
		}
		if !more {
			// Path ends here: a match when the pattern does too, or when
			// only a trailing slash is missing (the mux redirects to it).
			return i == len(p.segs)-1
		}
		path = rest
	}
	// Segments left over in the path.
	return p.prefix
}
