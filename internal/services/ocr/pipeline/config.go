package pipeline

// Config holds every parameter of the pipeline. Defaults reproduce
// RapidOCR v3.5.0 with the PP-OCRv4 models.
type Config struct {
	// Global bounds applied before detection.
	MaxSideLen int // long side above this is scaled down to it (2000)
	MinSideLen int // short side below this is scaled up to it (30)
	// Letterbox: images no taller than MinHeight, or wider than
	// WidthHeightRatio × height, get black bands above and below.
	MinHeight        int     // 30
	WidthHeightRatio float64 // 8; -1 disables the ratio rule

	// Detection.
	DetLimitSideLen int     // 736
	DetLimitType    string  // "min": scale up so the short side reaches the limit; "max": scale down; "auto": the image's own scale; "capped": "min" enlarging by at most DetMaxUpscale
	DetMaxUpscale   float64 // for "capped"
	DetThresh       float64 // 0.3, probability threshold of the DB map
	DetBoxThresh    float64 // 0.5, minimum mean probability inside a box
	DetUnclipRatio  float64 // 1.6
	DetMaxCandidate int     // 1000
	DetMinSize      float64 // 3, minimum short side of a candidate box (map pixels)
	DetUseDilation  bool    // true, 2×2 dilation of the bitmap

	// Direction classifier.
	ClsImageH, ClsImageW int     // 48×192
	ClsBatch             int     // 6
	ClsThresh            float64 // 0.9, score above which a "180" label rotates the crop

	// Recognition.
	RecImageH, RecImageW int     // 48×320
	RecBatch             int     // 6
	TextScore            float64 // 0.5, lines scoring below are dropped

	// QualityScore is the recognition score that at least one detected
	// region must reach for the image to count as readable (see
	// ErrUnreadable). Independent of TextScore so a caller raising the
	// threshold gets an empty result, not an error.
	QualityScore float64 // 0.5

	// Beyond the reference (off in ReferenceConfig):
	// WordGaps puts back the space between words the recogniser dropped
	// where the crop shows a word-sized blank (see wordGaps).
	WordGaps bool
	// PageTurn reads a page turned a quarter or half turn upright: when
	// most lines run vertically, or the classifier reads most lines upside
	// down, the page is turned and read again, and the lines come back in
	// the upright page's reading order (Result.Direction says the turn).
	PageTurn bool
}

// DefaultConfig returns the most accurate settings measured on the
// ground-truth set (package groundtruth; the table is in
// docs/benchmarks-ocr-accuracy.md): the reference's, except that the
// detector enlarges a small image towards a 736-px short side by at most
// 2× (DetLimitType "capped"; the reference enlarges a 78-px line 9.4×,
// which splits its words) and that word gaps and page turns are read.
func DefaultConfig() Config {
	c := ReferenceConfig()
	c.DetLimitType, c.DetMaxUpscale = "capped", 2
	c.WordGaps = true
	c.PageTurn = true
	return c
}

// Modes are the named settings (the server's ocr_mode): "accurate" is
// DefaultConfig, "reference" reproduces RapidOCR v3.5.0 exactly.
var Modes = map[string]func() Config{"accurate": DefaultConfig, "reference": ReferenceConfig}

// ReferenceConfig returns RapidOCR v3.5.0's defaults: with it the
// pipeline's output is RapidOCR's, box for box.
func ReferenceConfig() Config {
	return Config{
		MaxSideLen:       2000,
		MinSideLen:       30,
		MinHeight:        30,
		WidthHeightRatio: 8,
		DetLimitSideLen:  736,
		DetLimitType:     "min",
		DetThresh:        0.3,
		DetBoxThresh:     0.5,
		DetUnclipRatio:   1.6,
		DetMaxCandidate:  1000,
		DetMinSize:       3,
		DetUseDilation:   true,
		ClsImageH:        48,
		ClsImageW:        192,
		ClsBatch:         6,
		ClsThresh:        0.9,
		RecImageH:        48,
		RecImageW:        320,
		RecBatch:         6,
		TextScore:        0.5,
		QualityScore:     0.5,
	}
}
