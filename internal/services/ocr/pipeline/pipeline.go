// Package pipeline is the PP-OCRv4 text pipeline (detect, classify
// direction, recognise) in pure Go around three ONNX models. Pre- and
// post-processing reproduce RapidOCR v3.5.0, including OpenCV's resize and
// warp arithmetic, so the same models give the same text.
package pipeline

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models/graphopt"
	pb "github.com/aisd/aisd/internal/models/onnxpb"
	"google.golang.org/protobuf/proto"
)

// Files of the PP-OCRv4 model set inside the models root.
const (
	ModelDir = "ppocr-v4"
	DetFile  = "ch_PP-OCRv4_det_infer.onnx"
	ClsFile  = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
	RecFile  = "ch_PP-OCRv4_rec_infer.onnx"
	DictFile = "ppocr_keys_v1.txt"
)

// Pipeline runs OCR on images. It holds no per-call state and is safe for
// concurrent use; concurrency is bounded by the models' session pools.
type Pipeline struct {
	cfg           Config
	det, cls, rec *engine.Model
	// chars is the CTC alphabet: "blank", the dictionary, then " ".
	chars []string
	owned bool
	// detGate admits as many detections as the detector has sessions,
	// before their input and output buffers are taken: a request waiting
	// for the detector then holds no buffers of its own, so concurrent
	// requests share one buffer set (see floatPool) and peak memory does
	// not grow with them. The detector's Runs are serialised anyway (one
	// session, and its intra-op threads already use every core).
	detGate chan struct{}
}

// New builds a pipeline on already opened models. dict is the dictionary
// in file order (without the CTC blank and trailing space, which New adds).
// cls may be nil, which disables direction classification.
func New(cfg Config, det, cls, rec *engine.Model, dict []string) (*Pipeline, error) {
	if det == nil || rec == nil {
		return nil, errors.New("pipeline: detection and recognition models are required")
	}
	if len(dict) == 0 {
		return nil, errors.New("pipeline: empty dictionary")
	}
	chars := make([]string, 0, len(dict)+2)
	chars = append(chars, "blank")
	chars = append(chars, dict...)
	chars = append(chars, " ")
	return &Pipeline{cfg: cfg, det: det, cls: cls, rec: rec, chars: chars, detGate: make(chan struct{}, det.Sessions())}, nil
}

// LoadOptions tune the sessions Load opens.
type LoadOptions struct {
	engine.Options
	// AsExported runs the model files exactly as exported, skipping the
	// graph rewrites of package graphopt (which change results only by
	// float rounding and halve the element-wise work).
	AsExported bool
}

// openModel loads one model, rewritten by graphopt unless AsExported; with
// ctc the recogniser also ends in per-step arg-max and maximum (see
// graphopt.ReduceClassAxis), which is all greedy CTC decoding reads.
func openModel(path string, opts LoadOptions, ctc bool) (*engine.Model, error) {
	if opts.AsExported {
		return engine.Open(path, opts.Options)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	var m pb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("pipeline: %s: %w", filepath.Base(path), err)
	}
	if _, err := graphopt.Optimize(&m); err != nil {
		return nil, fmt.Errorf("pipeline: %s: %w", filepath.Base(path), err)
	}
	if ctc {
		if _, _, err := graphopt.ReduceClassAxis(&m); err != nil {
			return nil, fmt.Errorf("pipeline: %s: %w", filepath.Base(path), err)
		}
	}
	if data, err = (proto.MarshalOptions{Deterministic: true}).Marshal(&m); err != nil {
		return nil, fmt.Errorf("pipeline: %s: %w", filepath.Base(path), err)
	}
	return engine.OpenData(path, data, opts.Options)
}

// Load initialises ONNX Runtime from root (see engine.LibPath) and opens the
// PP-OCRv4 model set under root/ppocr-v4. Close releases the models.
func Load(root string, cfg Config, opts LoadOptions) (*Pipeline, error) {
	if err := engine.Init(engine.LibPath(root)); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, ModelDir)
	dict, err := ReadDict(filepath.Join(dir, DictFile))
	if err != nil {
		return nil, err
	}
	var ms []*engine.Model
	for _, f := range []string{DetFile, ClsFile, RecFile} {
		m, err := openModel(filepath.Join(dir, f), opts, f == RecFile)
		if err != nil {
			for _, o := range ms {
				o.Close()
			}
			return nil, err
		}
		ms = append(ms, m)
	}
	p, err := New(cfg, ms[0], ms[1], ms[2], dict)
	if err != nil {
		return nil, err
	}
	p.owned = true
	return p, nil
}

// WithConfig returns a pipeline on the same models with other settings
// (for comparing settings without loading the models again). Closing it
// does not close the models.
func (p *Pipeline) WithConfig(cfg Config) *Pipeline {
	q := *p
	q.cfg, q.owned = cfg, false
	return &q
}

// Config returns the pipeline's settings.
func (p *Pipeline) Config() Config { return p.cfg }

// Close releases the models when Load opened them.
func (p *Pipeline) Close() error {
	if !p.owned {
		return nil
	}
	return errors.Join(p.det.Close(), p.cls.Close(), p.rec.Close())
}

// Models returns the three models (cls may be nil), for usage accounting.
func (p *Pipeline) Models() (det, cls, rec *engine.Model) { return p.det, p.cls, p.rec }

// ReadDict reads a recognition dictionary: one entry per line.
func ReadDict(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pipeline: dictionary: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("pipeline: dictionary: %w", err)
	}
	return out, nil
}

// RunOptions select optional work per call.
type RunOptions struct {
	// CharBoxes asks for per-character boxes (Line.Chars).
	CharBoxes bool
	// DetectDirection asks for Result.Direction.
	DetectDirection bool
	// NoCls skips the direction classifier (crops are read as they are).
	NoCls bool
	// NoDet treats the whole image as one text line.
	NoDet bool
	// TextScore overrides Config.TextScore when > 0.
	TextScore float64
	// Quick detects on the image at (at most) its own size instead of
	// scaling its short side up to DetLimitSideLen: RapidOCR's
	// limit_type "max" mode, which DefaultConfig uses anyway
	// (DetLimitType "auto"). The API's quick_mode is SingleLine.
	Quick bool
	// SingleLine is the API's quick_mode: an image holding one line of
	// text is recognised whole, without detection (and with the
	// direction classifier only when DetectDirection is set); an image
	// that is clearly not one line takes the full pipeline.
	SingleLine bool
	// SingleOrientation gives every line the page's one orientation (the
	// classifier's verdicts pooled over all lines, weighted by their
	// length) instead of each line its own: the API's
	// single_orientation_mode, for pages whose text all runs one way.
	SingleOrientation bool
}

// Point is a pixel position in the input image.
type Point = [2]int

// Char is one recognised character and where it is.
type Char struct {
	Char  string
	Score float64
	Box   [4]Point // TL, TR, BR, BL
}

// Line is one recognised text line.
type Line struct {
	Text  string
	Score float64  // mean of the per-character maxima, rounded to 5 places
	Box   [4]Point // TL, TR, BR, BL in input image coordinates
	// Angle is the classifier's verdict for this line: 0 or 180.
	Angle int
	Chars []Char // only with RunOptions.CharBoxes
}

// Result is what Run found, lines in reading order.
type Result struct {
	Lines []Line
	// Direction is the page's counter-clockwise turn in degrees (0, 90,
	// 180 or 270; 90 and 270 need Config.PageTurn), set with
	// RunOptions.DetectDirection; -1 when not asked for or no line was
	// read.
	Direction float64
	// Regions is how many text regions the detector proposed.
	Regions int
}

// ErrUnreadable is the cause attached to the AIS.0104 error: the detector
// found text regions but the recogniser could read none of them with a
// score of at least Config.QualityScore. An image without any text region
// (blank, constant colour) is not unreadable: it yields an empty Result.
var ErrUnreadable = errors.New("text regions found but none could be read")

// ErrEmptyImage is returned for an image without pixels.
var ErrEmptyImage = errors.New("empty image")

// EngineError is a failure of a model run (the engine itself, not the
// image): the caller answers it as a recognition failure.
type EngineError struct {
	Stage string
	Err   error
}

func (e *EngineError) Error() string { return e.Stage + ": " + e.Err.Error() }
func (e *EngineError) Unwrap() error { return e.Err }

func engineErr(stage string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &EngineError{Stage: stage, Err: err}
}

type crop struct {
	img     *bgr
	box     [4]pt // in the prepared image
	rotated bool  // turned a quarter counter-clockwise after warping
	flipped bool  // turned half a turn by the classifier
	angle   int
	p180    float64 // the classifier's probability for "180"
}

// oneOrientation sets every crop to the orientation most of the text
// shows: the classifier's "180" probabilities pooled, each crop weighted
// by its length (width over height), and the crops turned to match.
func (p *Pipeline) oneOrientation(crops []crop) {
	var w, up float64
	for _, c := range crops {
		l := float64(c.img.w) / float64(max(c.img.h, 1))
		w += l
		up += l * c.p180
	}
	down := w > 0 && up/w > 0.5
	for i := range crops {
		c := &crops[i]
		if down != c.flipped {
			c.img = c.img.rot180()
			c.flipped = down
		}
		c.angle = 0
		if down {
			c.angle = 180
		}
	}
}

// Run reads the text of img.
func (p *Pipeline) Run(ctx context.Context, img image.Image, opts RunOptions) (Result, error) {
	src := fromImage(img)
	if src.w == 0 || src.h == 0 {
		return Result{Direction: -1}, ErrEmptyImage
	}
	if opts.SingleLine && !opts.NoDet {
		if res, ok, err := p.singleLine(ctx, src, opts); ok || err != nil {
			return res, err
		}
	}
	res, votes, err := p.runOnce(ctx, src, opts)
	if err != nil && !errors.Is(err, ErrUnreadable) {
		return res, err
	}
	if !p.cfg.PageTurn || opts.NoDet || opts.NoCls || p.cls == nil {
		return res, err
	}
	// Most lines say the page is turned: read it upright, so that lines
	// are found and ordered as on the upright page. A turn is kept only
	// when the upright page reads at least about as much text as the page
	// as given: a classifier wrong on a few long lines must not cost the
	// lines it could read. A page whose lines are mostly vertical but
	// unreadable either way up is tried both ways.
	var tries []int
	switch q := votes.turn(); {
	case q == 90 || q == 270:
		tries = []int{q, 360 - q}
	case q == 180:
		tries = []int{180}
	case votes.vertical():
		tries = []int{90, 270}
	}
	best, bestErr, bestMass, bestQ := res, err, textMass(res), 0
	for _, q := range tries {
		up := turnBGR(src, -q)
		r, _, e := p.runOnce(ctx, up, opts)
		if e != nil && !errors.Is(e, ErrUnreadable) {
			return r, e
		}
		m := textMass(r)
		if e != nil || m < 0.9*bestMass || bestQ != 0 && m <= bestMass {
			continue
		}
		for i := range r.Lines {
			l := &r.Lines[i]
			for k := range l.Box {
				l.Box[k] = unturn(l.Box[k], q, up.w, up.h)
			}
			for j := range l.Chars {
				for k := range l.Chars[j].Box {
					l.Chars[j].Box[k] = unturn(l.Chars[j].Box[k], q, up.w, up.h)
				}
			}
		}
		if opts.DetectDirection && len(r.Lines) > 0 {
			r.Direction = float64(q)
		}
		best, bestErr, bestMass, bestQ = r, nil, m, q
		if votes.turn() == q {
			break // the voted turn reads: no need to try the other way
		}
	}
	return best, bestErr
}

// textMass is how much text a result read: characters weighted by
// their lines' scores.
func textMass(r Result) float64 {
	var m float64
	for _, l := range r.Lines {
		m += l.Score * float64(len([]rune(strings.TrimSpace(l.Text))))
	}
	return m
}

// turnVotes weigh the page's quarter turns (0, 90, 180, 270 degrees
// counter-clockwise) by the recognised text of the lines that show them;
// the last two count the length of all detected regions, vertical and
// horizontal, read or not.
type turnVotes [6]float64

// vertical reports that most detected regions run vertically.
func (v turnVotes) vertical() bool { return v[4] > v[5] }

// turn is the page's turn: the one most of the text shows, if more than
// half of it does; else 0.
func (v turnVotes) turn() int {
	total := v[0] + v[1] + v[2] + v[3]
	best := 0
	for q := 1; q < 4; q++ {
		if v[q] > v[best] {
			best = q
		}
	}
	if total == 0 || v[best]*2 <= total {
		return 0
	}
	return 90 * best
}

// turnBGR turns m counter-clockwise by deg (a multiple of 90, may be
// negative).
func turnBGR(m *bgr, deg int) *bgr {
	switch ((deg % 360) + 360) % 360 {
	case 90:
		return m.rot90()
	case 180:
		return m.rot180()
	case 270:
		return m.rot90().rot180()
	}
	return m
}

// unturn maps a point of the upright page (w×h) to the page as given,
// which is the upright page turned q degrees counter-clockwise.
func unturn(p Point, q, w, h int) Point {
	switch q {
	case 90:
		return Point{p[1], w - p[0]}
	case 180:
		return Point{w - p[0], h - p[1]}
	case 270:
		return Point{h - p[1], p[0]}
	}
	return p
}

// runOnce is one pass of detection, classification and recognition.
func (p *Pipeline) runOnce(ctx context.Context, src *bgr, opts RunOptions) (Result, turnVotes, error) {
	var votes turnVotes
	res := Result{Direction: -1}
	work, ratioW, ratioH := p.withinBounds(src)

	var crops []crop
	top := 0
	if opts.NoDet {
		crops = []crop{{img: work, box: [4]pt{{0, 0}, {float64(work.w), 0}, {float64(work.w), float64(work.h)}, {0, float64(work.h)}}}}
	} else {
		work, top = p.letterbox(work)
		boxes, err := p.detect(ctx, work, opts.Quick)
		if err != nil {
			return res, votes, err
		}
		res.Regions = len(boxes)
		all := make([]crop, len(boxes))
		parallel(len(boxes), 1, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				c, rot, ok := cropQuad(work, boxes[i].p)
				if ok {
					all[i] = crop{img: c, box: boxes[i].p, rotated: rot}
				}
			}
		})
		for _, c := range all {
			if c.img != nil {
				crops = append(crops, c)
			}
		}
	}
	if len(crops) == 0 {
		return res, votes, nil
	}
	if p.cls != nil && !opts.NoCls {
		if err := p.classify(ctx, crops); err != nil {
			return res, votes, err
		}
		if opts.SingleOrientation {
			p.oneOrientation(crops)
		}
	}
	recs, err := p.recognize(ctx, crops, opts.CharBoxes, opts.Quick)
	if err != nil {
		return res, votes, err
	}

	minScore := p.cfg.TextScore
	if opts.TextScore > 0 {
		minScore = opts.TextScore
	}
	readable := false
	var up, down float64
	toOrig := func(q pt) Point {
		x := (q.x - 0) * ratioW
		y := (q.y - float64(top)) * ratioH
		x = clampF(x, 0, float64(src.w))
		y = clampF(y, 0, float64(src.h))
		return Point{int(math.Round(x)), int(math.Round(y))}
	}
	for i, r := range recs {
		if c := crops[i]; c.rotated {
			votes[4] += float64(c.img.w) / float64(max(c.img.h, 1))
		} else {
			votes[5] += float64(c.img.w) / float64(max(c.img.h, 1))
		}
		if strings.TrimSpace(r.text) == "" {
			continue
		}
		if r.score >= p.cfg.QualityScore {
			readable = true
		}
		if r.score < minScore {
			continue
		}
		c := crops[i]
		l := Line{Text: r.text, Score: r.score, Angle: c.angle}
		for k := 0; k < 4; k++ {
			l.Box[k] = toOrig(c.box[k])
		}
		if opts.CharBoxes {
			l.Chars = charBoxes(c, r, toOrig)
		}
		if c.angle == 180 {
			down += r.score
		} else {
			up += r.score
		}
		// The turn of the page this line shows: a vertical line was
		// turned a quarter counter-clockwise to be read, so it reads
		// upright (classifier 0) on a page turned 270 and upside down on
		// one turned 90.
		w := r.score * float64(len([]rune(strings.TrimSpace(r.text))))
		switch {
		case c.rotated && c.angle == 180:
			votes[1] += w
		case c.rotated:
			votes[3] += w
		case c.flipped: // confidently upside down
			votes[2] += w
		default:
			votes[0] += w
		}
		res.Lines = append(res.Lines, l)
	}
	if !readable && !opts.NoDet {
		return res, votes, ErrUnreadable
	}
	if opts.DetectDirection && len(res.Lines) > 0 {
		res.Direction = 0
		if down > up {
			res.Direction = 180
		}
	}
	return res, votes, nil
}

// boundsSize is the size the global rules give a w×h image: long side
// above MaxSideLen scaled down, then short side below MinSideLen scaled
// up, each step rounding both sides to multiples of 32.
func (c *Config) boundsSize(w, h int) (int, int) {
	scale := func(w, h int, ratio float64) (int, int) {
		nh, nw := round32(int(float64(h)*ratio)), round32(int(float64(w)*ratio))
		if nw <= 0 || nh <= 0 {
			return w, h
		}
		return nw, nh
	}
	if max(w, h) > c.MaxSideLen {
		if h > w {
			w, h = scale(w, h, float64(c.MaxSideLen)/float64(h))
		} else {
			w, h = scale(w, h, float64(c.MaxSideLen)/float64(w))
		}
	}
	if min(w, h) < c.MinSideLen {
		if h < w {
			w, h = scale(w, h, float64(c.MinSideLen)/float64(h))
		} else {
			w, h = scale(w, h, float64(c.MinSideLen)/float64(w))
		}
	}
	return w, h
}

// letterboxPad is the black band height above and below for a w×h image.
func (c *Config) letterboxPad(w, h int) int {
	limit := c.WidthHeightRatio != -1 && float64(w)/float64(h) > c.WidthHeightRatio
	if h > c.MinHeight && !limit {
		return 0
	}
	nh := max(int(float64(w)/c.WidthHeightRatio), c.MinHeight) * 2
	return int(math.Abs(float64(nh-h)) / 2)
}

// DetInput reports the detector input size for a w×h image: the work the
// parameters ask of the detection model, in normal or quick mode.
func (c Config) DetInput(w, h int, quick bool) (int, int) {
	w, h = c.boundsSize(w, h)
	h += 2 * c.letterboxPad(w, h)
	if quick {
		return quickDetSize(w, h)
	}
	return c.detSize(w, h)
}

// withinBounds applies the global size rules (see boundsSize) as the
// reference does: one resize per rule that fires, returning the factors
// mapping back. With both rules firing the reference keeps only the second
// step's ratios, and so does this.
func (p *Pipeline) withinBounds(m *bgr) (*bgr, float64, float64) {
	rw, rh := 1.0, 1.0
	step := func(m *bgr, ratio float64) (*bgr, float64, float64) {
		h := round32(int(float64(m.h) * ratio))
		w := round32(int(float64(m.w) * ratio))
		if w <= 0 || h <= 0 {
			return m, 1, 1
		}
		return m.resize(w, h), float64(m.w) / float64(w), float64(m.h) / float64(h)
	}
	if max(m.w, m.h) > p.cfg.MaxSideLen {
		if m.h > m.w {
			m, rw, rh = step(m, float64(p.cfg.MaxSideLen)/float64(m.h))
		} else {
			m, rw, rh = step(m, float64(p.cfg.MaxSideLen)/float64(m.w))
		}
	}
	if min(m.w, m.h) < p.cfg.MinSideLen {
		if m.h < m.w {
			m, rw, rh = step(m, float64(p.cfg.MinSideLen)/float64(m.h))
		} else {
			m, rw, rh = step(m, float64(p.cfg.MinSideLen)/float64(m.w))
		}
	}
	return m, rw, rh
}

// letterbox pads flat images with black bands above and below.
func (p *Pipeline) letterbox(m *bgr) (*bgr, int) {
	pad := p.cfg.letterboxPad(m.w, m.h)
	if pad == 0 {
		return m, 0
	}
	return m.padTopBottom(pad), pad
}

func (p *Pipeline) detect(ctx context.Context, m *bgr, quick bool) ([]detBox, error) {
	w, h := p.cfg.detSize(m.w, m.h)
	if quick {
		w, h = quickDetSize(m.w, m.h)
	}
	if w <= 0 || h <= 0 {
		return nil, nil
	}
	select {
	case p.detGate <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.detGate }()
	data := detInPool.get(3 * w * h)
	defer detInPool.put(data)
	m.resizeNormCHW(w, h, data)
	// The probability map is written straight into Go memory: no arena
	// block for it inside ONNX Runtime and no copy out.
	prob := detOutPool.get(w * h)
	defer detOutPool.put(prob)
	_, err := p.det.RunInto(ctx, []engine.Tensor{{Shape: []int64{1, 3, int64(h), int64(w)}, Data: data}},
		[]engine.Tensor{{Shape: []int64{1, 1, int64(h), int64(w)}, Data: prob}})
	if err != nil {
		return nil, engineErr("detection", err)
	}
	return p.cfg.dbPostprocess(prob, w, h, m.w, m.h), nil
}

// resizeNorm scales a crop to height ih keeping its aspect (width at most
// iw), normalises it and writes it left-aligned into a zeroed 3×ih×iw slot.
func resizeNorm(m *bgr, ih, iw int, dst []float32) int {
	ratio := float64(m.w) / float64(m.h)
	rw := int(math.Ceil(float64(ih) * ratio))
	if rw > iw {
		rw = iw
	}
	rw = max(rw, 1)
	r := m.resize(rw, ih)
	plane := ih * iw
	for y := 0; y < ih; y++ {
		row := r.pix[y*rw*3:]
		for x := 0; x < rw; x++ {
			for c := 0; c < 3; c++ {
				dst[c*plane+y*iw+x] = normLUT[row[3*x+c]]
			}
		}
	}
	return rw
}

// byAspect returns crop indices sorted by width/height, as both the
// classifier and the recogniser batch them.
func byAspect(crops []crop) []int {
	idx := make([]int, len(crops))
	for i := range idx {
		idx[i] = i
	}
	ar := func(i int) float64 { return float64(crops[i].img.w) / float64(crops[i].img.h) }
	sort.SliceStable(idx, func(a, b int) bool { return ar(idx[a]) < ar(idx[b]) })
	return idx
}

func (p *Pipeline) classify(ctx context.Context, crops []crop) error {
	idx := byAspect(crops)
	ih, iw := p.cfg.ClsImageH, p.cfg.ClsImageW
	for beg := 0; beg < len(idx); beg += p.cfg.ClsBatch {
		end := min(beg+p.cfg.ClsBatch, len(idx))
		n := end - beg
		data := make([]float32, n*3*ih*iw)
		parallel(n, 1, func(lo, hi int) {
			for k := lo; k < hi; k++ {
				resizeNorm(crops[idx[beg+k]].img, ih, iw, data[k*3*ih*iw:(k+1)*3*ih*iw])
			}
		})
		out, err := p.cls.Run(ctx, []engine.Tensor{{Shape: []int64{int64(n), 3, int64(ih), int64(iw)}, Data: data}})
		if err != nil {
			return engineErr("direction classification", err)
		}
		o := out[0]
		if len(o.Shape) != 2 || o.Shape[0] != int64(n) || o.Shape[1] < 2 {
			return engineErr("direction classification", fmt.Errorf("unexpected output shape %v", o.Shape))
		}
		nl := int(o.Shape[1])
		for k := 0; k < n; k++ {
			probs := o.Data[k*nl : (k+1)*nl]
			best := 0
			for j := range probs {
				if probs[j] > probs[best] {
					best = j
				}
			}
			c := &crops[idx[beg+k]]
			c.p180 = float64(probs[1])
			// Labels are "0" and "180".
			if best == 1 {
				c.angle = 180
				if float64(probs[best]) > p.cfg.ClsThresh {
					c.img = c.img.rot180()
					c.flipped = true
				}
			}
		}
	}
	return nil
}

type recResult struct {
	text  string
	score float64
	// For character boxes: the kept CTC columns, their scores, the column
	// count and the fraction of the input width the crop occupied.
	cols   []int
	scores []float64
	chars  []string
	steps  int
	frac   float64
}

func (p *Pipeline) recognize(ctx context.Context, crops []crop, withCols, quick bool) ([]recResult, error) {
	idx := byAspect(crops)
	res := make([]recResult, len(crops))
	ih := p.cfg.RecImageH
	for beg := 0; beg < len(idx); beg += p.cfg.RecBatch {
		end := min(beg+p.cfg.RecBatch, len(idx))
		n := end - beg
		// The batch is as wide as its widest crop, and at least RecImageW;
		// quick runs drop that floor so short crops are not padded out.
		maxRatio := float64(p.cfg.RecImageW) / float64(ih)
		if quick {
			maxRatio = 1
		}
		for k := beg; k < end; k++ {
			c := crops[idx[k]].img
			maxRatio = math.Max(maxRatio, float64(c.w)/float64(c.h))
		}
		iw := int(float64(ih) * maxRatio)
		data := recInPool.get(n * 3 * ih * iw)
		clear(data) // crops narrower than iw are zero-padded on the right
		widths := make([]int, n)
		parallel(n, 1, func(lo, hi int) {
			for k := lo; k < hi; k++ {
				widths[k] = resizeNorm(crops[idx[beg+k]].img, ih, iw, data[k*3*ih*iw:(k+1)*3*ih*iw])
			}
		})
		out, err := p.rec.Run(ctx, []engine.Tensor{{Shape: []int64{int64(n), 3, int64(ih), int64(iw)}, Data: data}})
		recInPool.put(data)
		if err != nil {
			return nil, engineErr("recognition", err)
		}
		best, maxv, steps, err := p.stepMaxima(out, n)
		if err != nil {
			return nil, engineErr("recognition", err)
		}
		for k := 0; k < n; k++ {
			r := p.ctcDecode(best[k*steps:(k+1)*steps], maxv[k*steps:(k+1)*steps])
			r.steps = steps
			r.frac = float64(widths[k]) / float64(iw)
			if p.cfg.WordGaps {
				r = wordGaps(crops[idx[beg+k]].img, r)
			}
			if !withCols {
				r.cols, r.scores, r.chars = nil, nil, nil
			}
			res[idx[beg+k]] = r
		}
	}
	return res, nil
}

// stepMaxima reads the recogniser's output for a batch of n as the best
// class and its probability per step: directly when the model ends in
// arg-max and maximum (ReduceClassAxis), else from the [n, steps, classes]
// probabilities of the model as exported.
func (p *Pipeline) stepMaxima(out []engine.Tensor, n int) ([]int64, []float32, int, error) {
	if len(out) == 2 && out[0].DType() == engine.Int64 {
		a, m := out[0], out[1]
		if len(a.Shape) != 2 || a.Shape[0] != int64(n) || !slices.Equal(a.Shape, m.Shape) {
			return nil, nil, 0, fmt.Errorf("arg-max output shapes %v and %v for a batch of %d", a.Shape, m.Shape, n)
		}
		return a.Int64, m.Data, int(a.Shape[1]), nil
	}
	o := out[0]
	if len(o.Shape) != 3 || o.Shape[0] != int64(n) || int(o.Shape[2]) != len(p.chars) {
		return nil, nil, 0, fmt.Errorf("output shape %v does not fit a %d-class alphabet", o.Shape, len(p.chars))
	}
	steps, classes := int(o.Shape[1]), int(o.Shape[2])
	best := make([]int64, n*steps)
	maxv := make([]float32, n*steps)
	for t := range best {
		row := o.Data[t*classes : (t+1)*classes]
		b, bv := 0, row[0]
		for j := 1; j < classes; j++ {
			if row[j] > bv {
				b, bv = j, row[j]
			}
		}
		best[t], maxv[t] = int64(b), bv
	}
	return best, maxv, steps, nil
}

// ctcDecode is greedy CTC over the per-step best classes: repeats merged,
// blanks dropped; the score is the mean of the kept maxima, each rounded
// to 5 places.
func (p *Pipeline) ctcDecode(best []int64, maxv []float32) recResult {
	var r recResult
	var sb strings.Builder
	prev := int64(-1)
	var sum float64
	for t, b := range best {
		if b != 0 && b != prev && int(b) < len(p.chars) {
			s := round5(float64(maxv[t]))
			sum += s
			sb.WriteString(p.chars[b])
			r.cols = append(r.cols, t)
			r.scores = append(r.scores, s)
			r.chars = append(r.chars, p.chars[b])
		}
		prev = b
	}
	r.text = sb.String()
	if len(r.cols) > 0 {
		r.score = round5(sum / float64(len(r.cols)))
	}
	return r
}

func round5(v float64) float64 { return math.RoundToEven(v*1e5) / 1e5 }

// charBoxes places each character between the midpoints of its CTC column
// and its neighbours', mapped from the recogniser input back through the
// crop's rotations and perspective warp to the input image.
func charBoxes(c crop, r recResult, toOrig func(pt) Point) []Char {
	n := len(r.cols)
	if n == 0 || r.steps == 0 || r.frac <= 0 {
		return nil
	}
	centre := make([]float64, n)
	for i, col := range r.cols {
		centre[i] = (float64(col) + 0.5) / float64(r.steps) / r.frac
	}
	out := make([]Char, n)
	for i := range r.cols {
		var lo, hi float64
		switch {
		case n == 1:
			half := 1.5 / float64(r.steps) / r.frac
			lo, hi = centre[i]-half, centre[i]+half
		case i == 0:
			g := (centre[1] - centre[0]) / 2
			lo, hi = centre[0]-g, centre[0]+g
		case i == n-1:
			g := (centre[i] - centre[i-1]) / 2
			lo, hi = centre[i]-g, centre[i]+g
		default:
			lo, hi = (centre[i-1]+centre[i])/2, (centre[i]+centre[i+1])/2
		}
		lo, hi = clampF(lo, 0, 1), clampF(hi, 0, 1)
		corners := [4][2]float64{{lo, 0}, {hi, 0}, {hi, 1}, {lo, 1}}
		ch := Char{Char: r.chars[i], Score: r.scores[i]}
		for k, uv := range corners {
			ch.Box[k] = toOrig(c.toImage(uv[0], uv[1]))
		}
		out[i] = ch
	}
	return out
}

// toImage maps a position in the final crop (u along the text, v across,
// both 0..1) to the prepared image.
func (c crop) toImage(u, v float64) pt {
	if c.flipped {
		u, v = 1-u, 1-v
	}
	s, t := u, v
	if c.rotated {
		// A quarter turn counter-clockwise put the crop's top-to-bottom
		// axis along the text and its right edge on top.
		s, t = 1-v, u
	}
	b := c.box
	top := pt{b[0].x + s*(b[1].x-b[0].x), b[0].y + s*(b[1].y-b[0].y)}
	bot := pt{b[3].x + s*(b[2].x-b[3].x), b[3].y + s*(b[2].y-b[3].y)}
	return pt{top.x + t*(bot.x-top.x), top.y + t*(bot.y-top.y)}
}
