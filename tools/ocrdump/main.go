// Command ocrdump writes the OCR pipeline's detection intermediates for one
// image, for comparison with OpenCV and RapidOCR:
//
//	go run ./tools/ocrdump -out DIR IMAGE
//
// It loads the PP-OCRv4 models from the models root (AISD_MODELS_DIR or
// the default; install them with aisd models install) and writes to DIR:
// src.bin, work.bin, detin.bin, pred.bin and one cropX.bin per detected
// box (X = a, b, ...), each as little-endian int32 height and width
// followed by the data (BGR bytes, or float32 probabilities for pred.bin);
// db.txt with one line per DB candidate box; and boxes.json with the
// letterbox height ("top") and the boxes in work coordinates. See
// pipeline.DebugDetect for what each array is.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

func main() {
	out := flag.String("out", "", "directory to write into (created if missing)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: ocrdump -out DIR IMAGE")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)
	if *out == "" || flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*out, flag.Arg(0)); err != nil {
		log.Fatal("ocrdump: ", err)
	}
}

func run(dir, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	img, _, err := pipeline.Decode(data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := engine.ModelsRoot()
	if err != nil {
		return err
	}
	p, err := pipeline.Load(root, pipeline.DefaultConfig(), pipeline.LoadOptions{Options: engine.Options{IntraOpThreads: 2, PoolSize: 1}})
	if err != nil {
		return err
	}
	defer p.Close()

	var werr error
	emit := func(a pipeline.DebugArray) {
		if werr == nil {
			werr = writeArray(filepath.Join(dir, a.Name+".bin"), a)
		}
	}
	dbf, err := os.Create(filepath.Join(dir, "db.txt"))
	if err != nil {
		return err
	}
	defer dbf.Close()
	dbw := bufio.NewWriter(dbf)
	top, boxes, err := p.DebugDetect(context.Background(), img, emit, func(line string) { fmt.Fprintln(dbw, line) })
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if err := dbw.Flush(); err != nil {
		return err
	}
	j, err := json.Marshal(map[string]any{"top": top, "boxes": boxes})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "boxes.json"), j, 0o644)
}

func writeArray(path string, a pipeline.DebugArray) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, d := range a.Dims {
		binary.Write(w, binary.LittleEndian, int32(d))
	}
	if err := binary.Write(w, binary.LittleEndian, a.Data); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
