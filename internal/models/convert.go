package models

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// ConvertFunc turns the files extracted into srcDir (the model directory)
// into one model file written at out. It must be deterministic: the
// manifest pins the SHA-256 of its output.
type ConvertFunc func(ctx context.Context, srcDir string, spec ConvertSpec, out string) error

var (
	convMu     sync.RWMutex
	converters = map[string]ConvertFunc{}
)

// RegisterConverter makes a conversion format available to installs.
// Registering a format twice is a programming error and panics.
func RegisterConverter(format string, fn ConvertFunc) {
	if format == "" || fn == nil {
		panic("models: RegisterConverter needs a format and a function")
	}
	convMu.Lock()
	defer convMu.Unlock()
	if _, dup := converters[format]; dup {
		panic("models: converter " + format + " registered twice")
	}
	converters[format] = fn
}

func converterFor(format string) (ConvertFunc, error) {
	convMu.RLock()
	defer convMu.RUnlock()
	if fn, ok := converters[format]; ok {
		return fn, nil
	}
	known := make([]string, 0, len(converters))
	for k := range converters {
		known = append(known, k)
	}
	sort.Strings(known)
	return nil, fmt.Errorf("no converter registered for format %q (this build has: %v); "+
		"the converter package must be linked into the binary", format, known)
}
