// Package engine runs ONNX models through ONNX Runtime. It is the only
// package in aisd that uses cgo: everything else hands it plain Go tensors.
//
// Init loads the shared library once per process; Open creates a Model that
// owns a pool of sessions, so one Model serves concurrent callers without
// sharing a session between two Runs at the same time.
package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ort "github.com/yalue/onnxruntime_go"
	"golang.org/x/sync/semaphore"
)

var (
	initMu   sync.Mutex
	initPath string
	initErr  error

	// busyNanos accumulates wall time spent inside ONNX Runtime by every
	// Model of the process.
	busyNanos atomic.Int64
	runCount  atomic.Int64

	// cores bounds the intra-op threads of all Runs in flight to the
	// machine's CPUs. Each Run spins up to IntraOpThreads busy threads;
	// two at once on a two-core machine ran no faster than one after the
	// other (OCR benchmark: 3.8 vs 4.1 images/s) and held both working
	// sets in memory together.
	cores    = semaphore.NewWeighted(int64(runtime.NumCPU()))
	numCores = int64(runtime.NumCPU())
)

// arenaFirstRegion is the shared arena's first region, virtual memory until
// used. One region that holds the OCR detector's working set at its largest
// inputs lets the arena split and merge blocks in place, where growing from
// 1 MB in power-of-two steps spread them over a ladder of regions: 45 MB
// less peak RSS on the OCR benchmark, at equal speed.
const arenaFirstRegion = 512 << 20

// ErrNotInitialized is returned by Open before Init succeeded.
var ErrNotInitialized = errors.New("engine: ONNX Runtime not initialised (call engine.Init)")

// Init loads the ONNX Runtime shared library at libPath and creates the
// process-wide environment. ONNX Runtime allows one environment per process,
// so a second call with the same path is a no-op and one with another path
// is an error.
func Init(libPath string) error {
	initMu.Lock()
	defer initMu.Unlock()
	if initPath != "" {
		if libPath != initPath {
			return fmt.Errorf("engine: already initialised with %s, not %s", initPath, libPath)
		}
		return initErr
	}
	if _, err := os.Stat(libPath); err != nil {
		return fmt.Errorf("engine: ONNX Runtime library: %w", err)
	}
	ort.SetSharedLibraryPath(libPath)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("engine: initialise ONNX Runtime from %s: %w", libPath, err)
	}
	// One arena for every session of the process: the detector's blocks
	// are free again by the time the recogniser runs, so a per-session
	// arena would hold both working sets at once. Measured on the OCR
	// benchmark: 60 MB less peak RSS at equal speed. The default
	// power-of-two growth stays: growing by exactly the request
	// (arena_extend_strategy 1) or in capped steps fragmented it, +130 MB.
	cfg, err := ort.NewArenaCfgV2(map[string]int{"arena_extend_strategy": 0, "initial_chunk_size_bytes": arenaFirstRegion})
	if err == nil {
		defer cfg.Destroy()
		err = registerArena(cfg)
	}
	if err != nil {
		// The environment exists but is unusable as configured: remember
		// the failure so later calls report it rather than re-initialise.
		initPath, initErr = libPath, fmt.Errorf("engine: shared CPU arena: %w", err)
		return initErr
	}
	initPath = libPath
	return nil
}

func registerArena(cfg *ort.ArenaCfg) error {
	mi, err := ort.GetMemoryInfo()
	if err != nil {
		return err
	}
	return ort.CreateAndRegisterAllocator(mi, cfg)
}

// Initialized reports whether Init has succeeded.
func Initialized() bool {
	initMu.Lock()
	defer initMu.Unlock()
	return initPath != "" && initErr == nil
}

// Version returns the loaded ONNX Runtime version ("" before Init).
func Version() string {
	if !Initialized() {
		return ""
	}
	return ort.GetVersion()
}

// Usage is the time spent inside ONNX Runtime and the number of Runs.
type Usage struct {
	Runs int64
	Busy time.Duration
}

// TotalUsage sums Usage over every Model of the process, open or closed.
func TotalUsage() Usage {
	return Usage{Runs: runCount.Load(), Busy: time.Duration(busyNanos.Load())}
}

// Options tune the sessions of a Model. Zero values pick defaults.
type Options struct {
	// IntraOpThreads is the thread count inside one operator; default
	// min(NumCPU, 4), since ORT's own default spins one thread per core
	// and oversubscribes when several sessions run at once.
	IntraOpThreads int
	// InterOpThreads applies to parallel execution mode only; default 1.
	InterOpThreads int
	// PoolSize is how many sessions (and so concurrent Runs) the Model
	// keeps; default 1. Each session holds its own copy of the weights.
	PoolSize int
	// NoMemArena turns off ONNX Runtime's CPU memory arena (the process-wide
	// one Init registers, which sessions otherwise share). The arena
	// keeps the largest working set a session has needed, but measured on
	// the OCR detector with dynamic shapes it is both faster and smaller
	// than plain malloc (728 MB vs 1.7 GB peak RSS, whose freed blocks
	// fragment), so it stays on by default.
	NoMemArena bool
	// MemPattern turns on ONNX Runtime's per-shape allocation planning.
	// Off by default: with dynamic shapes it reserves one block per input
	// shape's whole plan, and on the OCR benchmark turning it off cut peak
	// RSS from 1352 to 841 MB at equal speed.
	MemPattern bool
	// Spin lets idle intra-op threads busy-wait for the next parallel
	// section, ONNX Runtime's default. Off here: the spinning threads of
	// every session burn CPU while the caller does its Go work or another
	// session runs, and on a shared machine they take it from the work
	// itself. Measured on the OCR benchmark with 2 threads: 326 → 205 ms
	// CPU per image, and no slower by the clock.
	Spin bool
	// Config holds further session configuration entries by ONNX
	// Runtime's key names (for experiments; the fields above cover what
	// aisd sets).
	Config map[string]string
}

func (o Options) withDefaults() Options {
	if o.IntraOpThreads <= 0 {
		o.IntraOpThreads = min(runtime.NumCPU(), 4)
	}
	if o.InterOpThreads <= 0 {
		o.InterOpThreads = 1
	}
	if o.PoolSize <= 0 {
		o.PoolSize = 1
	}
	return o
}

// DType is a tensor element type.
type DType string

// Element types a Tensor can carry.
const (
	Float32 DType = "float32"
	Int32   DType = "int32"
	Int64   DType = "int64"
)

// IOInfo describes one model input or output. A dimension of -1 is dynamic.
type IOInfo struct {
	Name  string
	Shape []int64
	// Type is the ONNX element type name (e.g. "float32", "int64").
	Type string
}

// Tensor is a dense row-major tensor. Exactly one of Data, Int32 and Int64
// holds the values; its length must equal the product of Shape.
type Tensor struct {
	Name  string
	Shape []int64
	Data  []float32
	Int32 []int32
	Int64 []int64
}

// DType reports which slice holds the values.
func (t Tensor) DType() DType {
	switch {
	case t.Int32 != nil:
		return Int32
	case t.Int64 != nil:
		return Int64
	default:
		return Float32
	}
}

func (t Tensor) elements() (int64, error) {
	n := int64(1)
	for _, d := range t.Shape {
		if d < 0 {
			return 0, fmt.Errorf("engine: tensor %q has negative dimension in %v", t.Name, t.Shape)
		}
		n *= d
	}
	var have int
	switch t.DType() {
	case Int32:
		have = len(t.Int32)
	case Int64:
		have = len(t.Int64)
	default:
		have = len(t.Data)
	}
	if int64(have) != n {
		return 0, fmt.Errorf("engine: tensor %q shape %v needs %d values, has %d", t.Name, t.Shape, n, have)
	}
	return n, nil
}

type session struct {
	s    *ort.DynamicAdvancedSession
	opts *ort.RunOptions
}

// Model is a loaded ONNX model with a pool of sessions. It is safe for
// concurrent use; at most PoolSize Runs execute at once, others wait.
type Model struct {
	path    string
	inputs  []IOInfo
	outputs []IOInfo
	inIdx   map[string]int

	pool chan *session
	all  []*session

	// life is read-held by every Run so Close can wait for them.
	life   sync.RWMutex
	closed bool

	busy atomic.Int64
	runs atomic.Int64
	// threads is this model's weight on cores.
	threads int64
}

// Open loads the model at path with PoolSize sessions.
func Open(path string, opts Options) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("engine: read %s: %w", path, err)
	}
	return OpenData(path, data, opts)
}

// OpenData loads a serialised ONNX model with PoolSize sessions; path names
// it in errors and Path. Callers use it to run a graph they rewrote in
// memory (see package graphopt).
func OpenData(path string, data []byte, opts Options) (*Model, error) {
	if !Initialized() {
		return nil, ErrNotInitialized
	}
	opts = opts.withDefaults()
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(data)
	if err != nil {
		return nil, fmt.Errorf("engine: read %s: %w", path, err)
	}
	m := &Model{path: path, inIdx: map[string]int{}, pool: make(chan *session, opts.PoolSize),
		threads: min(int64(opts.IntraOpThreads), numCores)}
	inNames := make([]string, len(ins))
	for i, in := range ins {
		inNames[i] = in.Name
		m.inIdx[in.Name] = i
		m.inputs = append(m.inputs, IOInfo{Name: in.Name, Shape: append([]int64(nil), in.Dimensions...), Type: typeName(in.DataType)})
	}
	outNames := make([]string, len(outs))
	for i, out := range outs {
		outNames[i] = out.Name
		m.outputs = append(m.outputs, IOInfo{Name: out.Name, Shape: append([]int64(nil), out.Dimensions...), Type: typeName(out.DataType)})
	}

	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("engine: session options: %w", err)
	}
	defer so.Destroy()
	if err := so.SetIntraOpNumThreads(opts.IntraOpThreads); err != nil {
		return nil, fmt.Errorf("engine: intra-op threads: %w", err)
	}
	if err := so.SetInterOpNumThreads(opts.InterOpThreads); err != nil {
		return nil, fmt.Errorf("engine: inter-op threads: %w", err)
	}
	if err := so.SetCpuMemArena(!opts.NoMemArena); err != nil {
		return nil, fmt.Errorf("engine: memory arena: %w", err)
	}
	if !opts.NoMemArena {
		if err := so.AddSessionConfigEntry("session.use_env_allocators", "1"); err != nil {
			return nil, fmt.Errorf("engine: shared arena: %w", err)
		}
	}
	if err := so.SetMemPattern(opts.MemPattern); err != nil {
		return nil, fmt.Errorf("engine: memory pattern: %w", err)
	}
	spin := "0"
	if opts.Spin {
		spin = "1"
	}
	if err := so.AddSessionConfigEntry("session.intra_op.allow_spinning", spin); err != nil {
		return nil, fmt.Errorf("engine: spinning: %w", err)
	}
	for k, v := range opts.Config {
		if err := so.AddSessionConfigEntry(k, v); err != nil {
			return nil, fmt.Errorf("engine: session config %s: %w", k, err)
		}
	}
	for range opts.PoolSize {
		s, err := ort.NewDynamicAdvancedSessionWithONNXData(data, inNames, outNames, so)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("engine: open %s: %w", path, err), m.Close())
		}
		ro, err := ort.NewRunOptions()
		if err != nil {
			return nil, errors.Join(fmt.Errorf("engine: run options: %w", err), s.Destroy(), m.Close())
		}
		ss := &session{s: s, opts: ro}
		m.all = append(m.all, ss)
		m.pool <- ss
	}
	return m, nil
}

// Sessions is how many Runs of this Model can execute at once (PoolSize).
func (m *Model) Sessions() int { return cap(m.pool) }

// Path is the file the model was loaded from.
func (m *Model) Path() string { return m.path }

// Inputs describes the model inputs in declaration order.
func (m *Model) Inputs() []IOInfo { return cloneInfo(m.inputs) }

// Outputs describes the model outputs in declaration order.
func (m *Model) Outputs() []IOInfo { return cloneInfo(m.outputs) }

func cloneInfo(in []IOInfo) []IOInfo {
	out := make([]IOInfo, len(in))
	for i, v := range in {
		out[i] = IOInfo{Name: v.Name, Shape: append([]int64(nil), v.Shape...), Type: v.Type}
	}
	return out
}

// Usage reports the time this Model spent inside ONNX Runtime.
func (m *Model) Usage() Usage {
	return Usage{Runs: m.runs.Load(), Busy: time.Duration(m.busy.Load())}
}

// ErrClosed is returned by Run after Close.
var ErrClosed = errors.New("engine: model closed")

// Run evaluates the model. Inputs are matched by Name; when every name is
// empty they are taken in declaration order. Outputs come back in
// declaration order with their names. Cancelling ctx aborts a waiting Run
// and asks ONNX Runtime to terminate a running one.
func (m *Model) Run(ctx context.Context, inputs []Tensor) ([]Tensor, error) {
	return m.RunInto(ctx, inputs, nil)
}

// RunInto is Run with caller-owned outputs: where into[i] has data (and
// the shape the model will produce), ONNX Runtime writes output i straight
// into it, skipping its own allocation and the copy back to Go; the
// returned Tensor then shares that memory. Other outputs are allocated as
// in Run.
func (m *Model) RunInto(ctx context.Context, inputs, into []Tensor) ([]Tensor, error) {
	if len(into) > len(m.outputs) {
		return nil, fmt.Errorf("engine: %s has %d outputs, %d given", m.path, len(m.outputs), len(into))
	}
	ordered, err := m.order(inputs)
	if err != nil {
		return nil, err
	}
	m.life.RLock()
	defer m.life.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	var s *session
	select {
	case s = <-m.pool:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { m.pool <- s }()

	vals := make([]ort.Value, len(ordered))
	defer func() {
		for _, v := range vals {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	for i, t := range ordered {
		v, err := toValue(t)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	outs := make([]ort.Value, len(m.outputs))
	given := make([]bool, len(m.outputs))
	for i, t := range into {
		if t.Data == nil && t.Int32 == nil && t.Int64 == nil {
			continue
		}
		v, err := toValue(t)
		if err != nil {
			return nil, err
		}
		outs[i], given[i] = v, true
	}
	defer func() {
		for _, v := range outs {
			if v != nil {
				v.Destroy()
			}
		}
	}()

	if err := cores.Acquire(ctx, m.threads); err != nil {
		return nil, err
	}
	defer cores.Release(m.threads)
	stop := context.AfterFunc(ctx, func() { s.opts.Terminate() })
	start := time.Now()
	err = s.s.RunWithOptions(vals, outs, s.opts)
	d := time.Since(start)
	if !stop() {
		// The terminate flag was set; clear it for the session's next Run.
		s.opts.UnsetTerminate()
	}
	m.busy.Add(int64(d))
	m.runs.Add(1)
	busyNanos.Add(int64(d))
	runCount.Add(1)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errors.Join(ctx.Err(), err)
		}
		return nil, fmt.Errorf("engine: run %s: %w", m.path, err)
	}

	res := make([]Tensor, len(outs))
	for i, v := range outs {
		if given[i] {
			res[i] = into[i]
			res[i].Name = m.outputs[i].Name
			continue
		}
		t, err := fromValue(v)
		if err != nil {
			return nil, fmt.Errorf("engine: output %q: %w", m.outputs[i].Name, err)
		}
		t.Name = m.outputs[i].Name
		res[i] = t
	}
	return res, nil
}

func (m *Model) order(inputs []Tensor) ([]Tensor, error) {
	if len(inputs) != len(m.inputs) {
		return nil, fmt.Errorf("engine: %s takes %d inputs, got %d", m.path, len(m.inputs), len(inputs))
	}
	named := false
	for _, t := range inputs {
		if t.Name != "" {
			named = true
		}
	}
	if !named {
		return inputs, nil
	}
	out := make([]Tensor, len(inputs))
	seen := make([]bool, len(inputs))
	for _, t := range inputs {
		i, ok := m.inIdx[t.Name]
		if !ok {
			return nil, fmt.Errorf("engine: %s has no input %q", m.path, t.Name)
		}
		if seen[i] {
			return nil, fmt.Errorf("engine: input %q given twice", t.Name)
		}
		seen[i] = true
		out[i] = t
	}
	return out, nil
}

func toValue(t Tensor) (ort.Value, error) {
	if _, err := t.elements(); err != nil {
		return nil, err
	}
	shape := ort.NewShape(t.Shape...)
	var (
		v   ort.Value
		err error
	)
	switch t.DType() {
	case Int32:
		v, err = ort.NewTensor(shape, t.Int32)
	case Int64:
		v, err = ort.NewTensor(shape, t.Int64)
	default:
		v, err = ort.NewTensor(shape, t.Data)
	}
	if err != nil {
		return nil, fmt.Errorf("engine: input %q: %w", t.Name, err)
	}
	return v, nil
}

func fromValue(v ort.Value) (Tensor, error) {
	shape := append([]int64(nil), v.GetShape()...)
	// The binding copies auto-allocated outputs into Go memory, so the
	// slices stay valid after the Value is destroyed.
	switch x := v.(type) {
	case *ort.Tensor[float32]:
		return Tensor{Shape: shape, Data: x.GetData()}, nil
	case *ort.Tensor[int32]:
		return Tensor{Shape: shape, Int32: x.GetData()}, nil
	case *ort.Tensor[int64]:
		return Tensor{Shape: shape, Int64: x.GetData()}, nil
	}
	return Tensor{}, fmt.Errorf("unsupported output type %T", v)
}

// Close waits for running Runs to finish and releases every session. Errors
// from each release are joined.
func (m *Model) Close() error {
	m.life.Lock()
	defer m.life.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	var errs []error
	for _, s := range m.all {
		if err := s.s.Destroy(); err != nil {
			errs = append(errs, err)
		}
		if err := s.opts.Destroy(); err != nil {
			errs = append(errs, err)
		}
	}
	m.all = nil
	return errors.Join(errs...)
}

// typeName turns ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT into "float32" etc.
func typeName(t ort.TensorElementDataType) string {
	switch t {
	case ort.TensorElementDataTypeFloat:
		return "float32"
	case ort.TensorElementDataTypeDouble:
		return "float64"
	case ort.TensorElementDataTypeInt32:
		return "int32"
	case ort.TensorElementDataTypeInt64:
		return "int64"
	case ort.TensorElementDataTypeUint8:
		return "uint8"
	case ort.TensorElementDataTypeInt8:
		return "int8"
	case ort.TensorElementDataTypeBool:
		return "bool"
	case ort.TensorElementDataTypeString:
		return "string"
	}
	return strings.ToLower(strings.TrimPrefix(t.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_"))
}
