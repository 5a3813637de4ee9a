package pipeline

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aisd/aisd/internal/engine"
)

// TestDump writes intermediate arrays for comparison with OpenCV; it only
// runs with OCR_DUMP=<image name> and OCR_DUMP_DIR set.
func TestDump(t *testing.T) {
	name, dir := os.Getenv("OCR_DUMP"), os.Getenv("OCR_DUMP_DIR")
	if name == "" || dir == "" {
		t.Skip("set OCR_DUMP and OCR_DUMP_DIR to dump intermediates")
	}
	p := testPipeline(t)
	img, _, err := Decode(decodeFile(t, filepath.Join(sharedFixtures(t), name)))
	if err != nil {
		t.Fatal(err)
	}
	write := func(f string, dims []int, data any) {
		fh, err := os.Create(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		for _, d := range dims {
			binary.Write(fh, binary.LittleEndian, int32(d))
		}
		binary.Write(fh, binary.LittleEndian, data)
	}
	src := fromImage(img)
	write("src.bin", []int{src.h, src.w}, src.pix)
	work, _, _ := p.withinBounds(src)
	work, top := p.letterbox(work)
	write("work.bin", []int{work.h, work.w}, work.pix)
	w, h := p.cfg.detSize(work.w, work.h)
	in := work.resize(w, h)
	write("detin.bin", []int{h, w}, in.pix)
	data := make([]float32, 3*w*h)
	normalizeCHW(in, data, w)
	out, err := p.det.Run(context.Background(), []engine.Tensor{{Shape: []int64{1, 3, int64(h), int64(w)}, Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	write("pred.bin", []int{h, w}, out[0].Data)
	dbg, _ := os.Create(filepath.Join(dir, "db.txt"))
	defer dbg.Close()
	debugDB = func(hull []ipt, box [4]pt, score, dist float64, grown []ipt) {
		fmt.Fprintf(dbg, "box=%v score=%.6f dist=%.6f grown=%v hull=%v\n", box, score, dist, grown, hull)
	}
	defer func() { debugDB = nil }()
	boxes := p.cfg.dbPostprocess(out[0].Data, w, h, work.w, work.h)
	var bs [][4][2]float64
	for i, b := range boxes {
		bs = append(bs, [4][2]float64{{b.p[0].x, b.p[0].y}, {b.p[1].x, b.p[1].y}, {b.p[2].x, b.p[2].y}, {b.p[3].x, b.p[3].y}})
		c, _, _ := cropQuad(work, b.p)
		write("crop"+string(rune('a'+i))+".bin", []int{c.h, c.w}, c.pix)
	}
	j, _ := json.Marshal(map[string]any{"top": top, "boxes": bs})
	os.WriteFile(filepath.Join(dir, "boxes.json"), j, 0o644)
}
