// Command jpeggolden writes the golden data of the OCR pipeline's
// libjpeg-exact JPEG decoder: a small set of JPEGs made by libjpeg's own
// cjpeg from synthetic pictures, and what libjpeg's djpeg decodes them to.
// TestJPEGGolden (internal/services/ocr/pipeline) compares the package's
// decoder with those pixels; it needs neither program.
//
//	apt-get install libjpeg-turbo-progs   # cjpeg, djpeg
//	go run ./tools/jpeggolden [-out DIR] [-fuzz DIR]
//
// writes internal/services/ocr/pipeline/testdata/jpeg (the images,
// golden.json, the reference PNGs) and a few seeds of FuzzDecodeJPEG's
// corpus in internal/services/ocr/pipeline/testdata/fuzz/FuzzDecodeJPEG.
//
// Each case is one cjpeg command line applied to a picture drawn here from
// fixed formulas and a fixed-seed generator, so a run is reproducible for a
// given libjpeg-turbo; the versions used are recorded in golden.json (the
// committed data came from Debian bookworm's libjpeg-turbo 2.1.5).
//
// The reference loader, OpenCV's imdecode, leaves libjpeg's decompression
// defaults alone: the accurate integer IDCT (JDCT_ISLOW), "fancy"
// (triangular) chroma upsampling, block smoothing for progressive files,
// and its own YCbCr→RGB tables. djpeg's defaults are the same; the flags
// are spelled out anyway ("-dct int"; there is no flag that turns fancy
// upsampling on, only -nosmooth, which turns it off and is not given).
// "-strict" makes any libjpeg warning fatal, so no valid case relies on
// how libjpeg recovers from damage.
//
// The damaged_* cases are valid ones with bytes cut, scrambled or moved
// (see damagedCases); djpeg decodes those without -strict, and the
// decoder must recover from the damage exactly as libjpeg does.
//
// For every case golden.json holds the SHA-256 of djpeg's PPM/PGM output,
// and the same pixels are kept losslessly as NAME.png, so a mismatch can
// report the first differing pixel. Cases whose layout the decoder
// declines (progressive, arithmetic coding, 4:4:0, 4:1:1, RGB) are marked
// unsupported: the test checks that they are declined, not misdecoded.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// djpegFlags are the decompression settings of the reference; see above.
var djpegFlags = []string{"-dct", "int", "-pnm", "-strict"}

type tcase struct {
	Name        string
	W, H        int
	Gray        bool     // grey source picture
	Cjpeg       []string // flags besides -outfile
	Unsupported bool     // the decoder declines this layout
}

// A damaged case edits the JPEG of a valid case. djpeg then decodes it
// without -strict, recovering as libjpeg does (and as OpenCV, which
// ignores libjpeg's warnings, sees it): zeros past the data, grey for
// starved restart intervals, its resynchronisation on wrong restart
// markers.
type damaged struct {
	Name, From string
	Edit       func([]byte) []byte
}

var damagedCases = []damaged{
	{"damaged_truncated_420", "q75_420", func(b []byte) []byte { return b[:len(b)*3/5] }},
	{"damaged_truncated_gray", "gray_q75", func(b []byte) []byte { return b[:len(b)*2/3] }},
	{"damaged_truncated_restart_420", "restart_3blocks_420", func(b []byte) []byte { return b[:len(b)/2] }},
	{"damaged_missing_rst", "restart_3blocks_420", func(b []byte) []byte {
		i := restartMarker(b, 1) // drop RST1
		return append(b[:i:i], b[i+2:]...)
	}},
	{"damaged_rst_next", "restart_3blocks_420", func(b []byte) []byte {
		b[restartMarker(b, 1)+1] = 0xD2 // RST2 where RST1 belongs
		return b
	}},
	{"damaged_rst_far", "restart_1block_444", func(b []byte) []byte {
		b[restartMarker(b, 1)+1] = 0xD5 // RST5 where RST1 belongs
		return b
	}},
	{"damaged_rst_previous", "restart_1block_444", func(b []byte) []byte {
		b[restartMarker(b, 2)+1] = 0xD0 // RST0 again where RST2 belongs
		return b
	}},
	{"damaged_entropy_bytes", "q75_422", func(b []byte) []byte { return scramble(b, 0.3, 24) }},
	{"damaged_entropy_bytes_restart", "restart_1row_422", func(b []byte) []byte { return scramble(b, 0.2, 40) }},
	{"damaged_bad_huffman", "q75_420", func(b []byte) []byte {
		// Stuffed 0xFF data bytes: a run of one bits long enough to
		// match no code, which libjpeg reads as symbol 0.
		i := len(b) / 2
		for b[i-1] == 0xFF || b[i] == 0xFF {
			i++
		}
		return append(b[:i:i], append(bytes.Repeat([]byte{0xFF, 0x00}, 3), b[i+6:]...)...)
	}},
	{"damaged_bad_huffman_gray", "restart_5blocks_gray", func(b []byte) []byte {
		i := restartMarker(b, 0) + 4 // inside the second interval
		for b[i-1] == 0xFF || b[i] == 0xFF {
			i++
		}
		return append(b[:i:i], append(bytes.Repeat([]byte{0xFF, 0x00}, 4), b[i+8:]...)...)
	}},
	{"damaged_extraneous_bytes", "q75_444", func(b []byte) []byte {
		i := bytes.Index(b, []byte{0xFF, 0xC0}) // garbage before SOF
		return append(b[:i:i], append([]byte("junk\x00\xff\x00"), b[i:]...)...)
	}},
	{"damaged_multiscan_eoi_early", "multiscan_sequential_420", func(b []byte) []byte {
		i := bytes.LastIndex(b, []byte{0xFF, 0xC4}) // the second scan's tables
		return append(b[:i:i], 0xFF, 0xD9)
	}},
}

// fuzzSeeds are the cases copied into FuzzDecodeJPEG's corpus.
var fuzzSeeds = []string{"tiny_420_1x1", "narrow_422_4x5", "wide_420_67x2", "gray_from_color",
	"restart_1block_444", "q2_16bit_tables", "multiscan_sequential_420", "damaged_rst_previous"}

// restartMarker returns the offset of the n-th RST marker (from 0).
func restartMarker(b []byte, n int) int {
	for i := bytes.Index(b, []byte{0xFF, 0xDA}); i+1 < len(b); i++ {
		if b[i] == 0xFF && b[i+1] >= 0xD0 && b[i+1] <= 0xD7 {
			if n == 0 {
				return i
			}
			n--
		}
	}
	log.Fatal("restart marker not found")
	return 0
}

// scramble overwrites n bytes of entropy-coded data from fraction at of
// the file. It leaves 0xFF bytes and their successors alone and writes no
// 0xFF, so it makes no markers: libjpeg-turbo redoes an MCU in which its
// fast Huffman path meets a marker, keeping what that attempt wrote, which
// no one should rely on.
func scramble(b []byte, at float64, n int) []byte {
	r := rng(0x2545f491)
	for i := int(float64(len(b)) * at); n > 0 && i < len(b)-2; i++ {
		if b[i] == 0xFF || b[i-1] == 0xFF {
			continue
		}
		v := byte(r.next())
		if v == 0xFF {
			v = 0x7F
		}
		b[i] = v
		n--
	}
	return b
}

// Sizes avoid multiples of 8 and 16 so that partial blocks and MCUs, odd
// chroma widths and the edge rules of upsampling are all exercised.
var cases = []tcase{
	{Name: "q75_444", W: 45, H: 37, Cjpeg: []string{"-quality", "75", "-sample", "1x1"}},
	{Name: "q75_420", W: 45, H: 37, Cjpeg: []string{"-quality", "75", "-sample", "2x2"}},
	{Name: "q75_422", W: 45, H: 37, Cjpeg: []string{"-quality", "75", "-sample", "2x1"}},
	{Name: "q90_420_even", W: 48, H: 32, Cjpeg: []string{"-quality", "90"}},
	{Name: "gray_q75", W: 41, H: 27, Gray: true, Cjpeg: []string{"-quality", "75", "-grayscale"}},
	{Name: "gray_from_color", W: 33, H: 19, Cjpeg: []string{"-quality", "85", "-grayscale"}},
	{Name: "q100_444", W: 23, H: 17, Cjpeg: []string{"-quality", "100", "-sample", "1x1"}},
	{Name: "q100_420", W: 23, H: 17, Cjpeg: []string{"-quality", "100"}},
	{Name: "q5_baseline_420", W: 45, H: 37, Cjpeg: []string{"-quality", "5", "-baseline"}},
	{Name: "q2_16bit_tables", W: 45, H: 37, Cjpeg: []string{"-quality", "2"}},
	{Name: "optimized_huffman", W: 45, H: 37, Cjpeg: []string{"-quality", "80", "-optimize"}},
	{Name: "restart_3blocks_420", W: 61, H: 45, Cjpeg: []string{"-quality", "75", "-restart", "3B"}},
	{Name: "restart_1row_422", W: 61, H: 45, Cjpeg: []string{"-quality", "75", "-sample", "2x1", "-restart", "1"}},
	{Name: "restart_5blocks_gray", W: 61, H: 21, Gray: true, Cjpeg: []string{"-quality", "75", "-grayscale", "-restart", "5B"}},
	{Name: "restart_1block_444", W: 19, H: 11, Cjpeg: []string{"-quality", "75", "-sample", "1x1", "-restart", "1B"}},
	{Name: "custom_qtables", W: 45, H: 37, Cjpeg: []string{"-quality", "50", "-qtables", "@qtables", "-qslots", "0,1,2"}},
	{Name: "multiscan_sequential_420", W: 45, H: 37, Cjpeg: []string{"-quality", "75", "-scans", "@scans"}},
	{Name: "tiny_420_1x1", W: 1, H: 1, Cjpeg: []string{"-quality", "75"}},
	{Name: "narrow_420_1x7", W: 1, H: 7, Cjpeg: []string{"-quality", "75"}},
	{Name: "narrow_420_3x9", W: 3, H: 9, Cjpeg: []string{"-quality", "75"}},
	{Name: "narrow_422_4x5", W: 4, H: 5, Cjpeg: []string{"-quality", "75", "-sample", "2x1"}},
	{Name: "narrow_420_5x3", W: 5, H: 3, Cjpeg: []string{"-quality", "75"}},
	{Name: "wide_420_67x2", W: 67, H: 2, Cjpeg: []string{"-quality", "75"}},
	{Name: "tall_422_2x31", W: 2, H: 31, Cjpeg: []string{"-quality", "75", "-sample", "2x1"}},
	{Name: "progressive_420", W: 45, H: 37, Cjpeg: []string{"-quality", "75", "-progressive"}, Unsupported: true},
	{Name: "arithmetic_420", W: 45, H: 37, Cjpeg: []string{"-quality", "75", "-arithmetic"}, Unsupported: true},
	{Name: "sampling_440", W: 45, H: 37, Cjpeg: []string{"-quality", "75", "-sample", "1x2"}, Unsupported: true},
	{Name: "sampling_411", W: 45, H: 37, Cjpeg: []string{"-quality", "75", "-sample", "4x1"}, Unsupported: true},
	{Name: "rgb_444", W: 45, H: 37, Cjpeg: []string{"-quality", "75", "-rgb"}, Unsupported: true},
}

// qtables are three baseline tables in natural (row-major) order, with odd
// values and steep jumps that the IJG defaults never produce.
const qtables = `
 1  2  3  5  7 11 13 17
 2  3  5  7 11 13 17 19
 3  5  7 11 13 17 19 23
 5  7 11 13 17 19 23 29
 7 11 13 17 19 23 29 31
11 13 17 19 23 29 31 37
13 17 19 23 29 31 37 41
17 19 23 29 31 37 41 255

 9  9  9  9 40 40 40 40
 9  9  9  9 40 40 40 40
 9  9  9  9 40 40 40 40
 9  9  9  9 40 40 40 40
40 40 40 40 99 99 99 99
40 40 40 40 99 99 99 99
40 40 40 40 99 99 99 99
40 40 40 40 99 99 99 99

 4 60  4 60  4 60  4 60
60  4 60  4 60  4 60  4
 4 60  4 60  4 60  4 60
60  4 60  4 60  4 60  4
 4 60  4 60  4 60  4 60
60  4 60  4 60  4 60  4
 4 60  4 60  4 60  4 60
60  4 60  4 60  4 60  4
`

// scans makes a sequential (not progressive) file with luma alone in the
// first scan and both chroma components interleaved in the second.
const scans = "0;\n1,2;\n"

type entry struct {
	File        string   `json:"file"`
	Cjpeg       []string `json:"cjpeg"`
	Width       int      `json:"width"`
	Height      int      `json:"height"`
	Channels    int      `json:"channels"`
	SHA256      string   `json:"sha256"` // of djpeg's PPM/PGM output
	Ref         string   `json:"ref,omitempty"`
	Unsupported bool     `json:"unsupported,omitempty"`
	From        string   `json:"damaged_from,omitempty"` // the case this one damages
	Djpeg       []string `json:"djpeg_flags,omitempty"`  // when not the default below
}

type manifest struct {
	Comment    string   `json:"comment"`
	Cjpeg      string   `json:"cjpeg_version"`
	Djpeg      string   `json:"djpeg_version"`
	DjpegFlags []string `json:"djpeg_flags"`
	Images     []entry  `json:"images"`
}

func main() {
	out := flag.String("out", "internal/services/ocr/pipeline/testdata/jpeg", "output directory")
	fuzzDir := flag.String("fuzz", "internal/services/ocr/pipeline/testdata/fuzz/FuzzDecodeJPEG", "directory of FuzzDecodeJPEG's seed corpus")
	flag.Parse()
	log.SetFlags(0)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	tmp, err := os.MkdirTemp("", "jpeggolden")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	aux := map[string]string{"@qtables": filepath.Join(tmp, "qtables.txt"), "@scans": filepath.Join(tmp, "scans.txt")}
	must(os.WriteFile(aux["@qtables"], []byte(qtables), 0o644))
	must(os.WriteFile(aux["@scans"], []byte(scans), 0o644))

	m := manifest{
		Comment:    "written by go run ./tools/jpeggolden; sha256 is of djpeg's PNM output, ref holds the same pixels as PNG",
		Cjpeg:      version("cjpeg"),
		Djpeg:      version("djpeg"),
		DjpegFlags: djpegFlags,
	}
	byName := map[string]tcase{}
	reference := func(name string, flags []string, c tcase, e entry) entry {
		jpg := filepath.Join(*out, name+".jpg")
		pnm := run("djpeg", append(append([]string{}, flags...), jpg)...)
		w, h, ch, pix := parsePNM(pnm)
		if w != c.W || h != c.H {
			log.Fatalf("%s: djpeg wrote %dx%d, want %dx%d", name, w, h, c.W, c.H)
		}
		sum := sha256.Sum256(pnm)
		e.File, e.Width, e.Height, e.Channels, e.SHA256 = name+".jpg", w, h, ch, hex.EncodeToString(sum[:])
		if !e.Unsupported {
			e.Ref = name + ".png"
			must(os.WriteFile(filepath.Join(*out, e.Ref), encodePNG(w, h, ch, pix), 0o644))
		}
		if !slices.Equal(flags, djpegFlags) {
			e.Djpeg = flags
		}
		fmt.Printf("%-30s %3dx%-3d %d ch\n", name, w, h, ch)
		return e
	}
	for _, c := range cases {
		byName[c.Name] = c
		src := filepath.Join(tmp, c.Name+".pnm")
		must(os.WriteFile(src, picture(c.W, c.H, c.Gray), 0o644))
		args := []string{}
		for _, a := range c.Cjpeg {
			if p, ok := aux[a]; ok {
				a = p
			}
			args = append(args, a)
		}
		run("cjpeg", append(args, "-outfile", filepath.Join(*out, c.Name+".jpg"), src)...)
		m.Images = append(m.Images, reference(c.Name, djpegFlags, c, entry{Cjpeg: c.Cjpeg, Unsupported: c.Unsupported}))
	}
	lenient := slices.DeleteFunc(slices.Clone(djpegFlags), func(f string) bool { return f == "-strict" })
	for _, dc := range damagedCases {
		c, ok := byName[dc.From]
		if !ok {
			log.Fatalf("%s: no case %s", dc.Name, dc.From)
		}
		b, err := os.ReadFile(filepath.Join(*out, dc.From+".jpg"))
		must(err)
		must(os.WriteFile(filepath.Join(*out, dc.Name+".jpg"), dc.Edit(b), 0o644))
		m.Images = append(m.Images, reference(dc.Name, lenient, c, entry{Cjpeg: c.Cjpeg, From: dc.From}))
	}
	// FuzzDecodeJPEG adds every golden JPEG as a seed itself; the
	// committed corpus keeps a few small ones of different layouts, in
	// the format of go test's corpus files.
	must(os.MkdirAll(*fuzzDir, 0o755))
	for _, name := range fuzzSeeds {
		b, err := os.ReadFile(filepath.Join(*out, name+".jpg"))
		must(err)
		seed := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
		must(os.WriteFile(filepath.Join(*fuzzDir, "seed-"+name), []byte(seed), 0o644))
	}
	j, err := json.MarshalIndent(m, "", "  ")
	must(err)
	must(os.WriteFile(filepath.Join(*out, "golden.json"), append(j, '\n'), 0o644))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// run returns a command's output; exit status 2, djpeg's "decoded with
// warnings", counts as success unless -strict made warnings fatal.
func run(name string, args ...string) []byte {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 2 && !slices.Contains(args, "-strict") {
		err = nil
	}
	if err != nil {
		log.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

func version(name string) string {
	var b bytes.Buffer
	cmd := exec.Command(name, "-version")
	cmd.Stdout, cmd.Stderr = &b, &b
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s -version: %v (install Debian package libjpeg-turbo-progs)", name, err)
	}
	return strings.TrimSpace(b.String())
}

// rng is a fixed xorshift generator so pictures never depend on math/rand.
type rng uint32

func (r *rng) next() uint32 {
	x := uint32(*r)
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	*r = rng(x)
	return x
}

// picture draws a w×h PPM (or PGM) with what stresses a JPEG codec:
// smooth gradients, saturated colour patches whose edges make the
// YCbCr→RGB conversion clamp, dark text-like strokes with sharp edges, a
// fine checkerboard, and light noise.
func picture(w, h int, gray bool) []byte {
	r := rng(0x9e3779b9 ^ uint32(w*7919+h))
	hdr := "P6"
	if gray {
		hdr = "P5"
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s\n%d %d\n255\n", hdr, w, h)
	patches := [][3]int{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}, {0, 255, 255}, {255, 0, 255}, {255, 255, 255}, {0, 0, 0}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := [3]int{40 + 200*x/max(w, 1), 60 + 180*y/max(h, 1), 230 - 150*(x+y)/max(w+h, 1)}
			switch {
			case (x/5+y/4)%7 == 3: // saturated patches
				c = patches[(x/5*3+y/4)%len(patches)]
			case x%9 < 2 && y%11 > 2 || y%11 == 5 && x%9 < 6: // strokes
				c = [3]int{20, 20, 30}
			case x > w*2/3 && y > h/2 && (x+y)%2 == 0: // checkerboard
				c = [3]int{230, 230, 230}
			}
			for i := range c {
				c[i] = min(max(c[i]+int(r.next()%13)-6, 0), 255)
			}
			if gray {
				buf.WriteByte(byte((c[0]*77 + c[1]*150 + c[2]*29) >> 8))
				continue
			}
			buf.Write([]byte{byte(c[0]), byte(c[1]), byte(c[2])})
		}
	}
	return buf.Bytes()
}

// parsePNM reads djpeg's binary PPM (P6) or PGM (P5) with maxval 255.
func parsePNM(b []byte) (w, h, ch int, pix []byte) {
	var fields []string
	i := 0
	for len(fields) < 4 {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
		j := i
		for j < len(b) && !(b[j] == ' ' || b[j] == '\n' || b[j] == '\t' || b[j] == '\r') {
			j++
		}
		if j == i {
			log.Fatal("djpeg: short PNM header")
		}
		fields = append(fields, string(b[i:j]))
		i = j
	}
	i++ // the single whitespace byte after maxval
	switch fields[0] {
	case "P6":
		ch = 3
	case "P5":
		ch = 1
	default:
		log.Fatalf("djpeg: unexpected PNM type %q", fields[0])
	}
	w, _ = strconv.Atoi(fields[1])
	h, _ = strconv.Atoi(fields[2])
	if fields[3] != "255" || len(b)-i != w*h*ch {
		log.Fatalf("djpeg: unexpected PNM maxval %s or size %d", fields[3], len(b)-i)
	}
	return w, h, ch, b[i:]
}

func encodePNG(w, h, ch int, pix []byte) []byte {
	var img image.Image
	if ch == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		copy(g.Pix, pix)
		img = g
	} else {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := 0; i < w*h; i++ {
			m.Pix[4*i], m.Pix[4*i+1], m.Pix[4*i+2], m.Pix[4*i+3] = pix[3*i], pix[3*i+1], pix[3*i+2], 255
		}
		img = m
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	must(enc.Encode(&b, img))
	return b.Bytes()
}
