package pipeline_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// Load the model set once at start, then serve any number of concurrent
// Runs. Errors from Run are catalog errors (AIS.0104, AIS.0105) or context
// errors.
func Example() {
	root, err := engine.ModelsRoot() // $AISD_MODELS_DIR or <repo>/models
	if err != nil {
		log.Fatal(err)
	}
	p, err := pipeline.Load(root, pipeline.DefaultConfig(), pipeline.LoadOptions{
		Options: engine.Options{IntraOpThreads: 2, PoolSize: 1},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	data, err := os.ReadFile("ch_en_num.jpg")
	if err != nil {
		log.Fatal(err)
	}
	img, _, err := pipeline.Decode(data) // EXIF orientation applied
	if err != nil {
		log.Fatal(err) // the service answers AIS.0102 (format)
	}
	res, err := p.Run(context.Background(), img, pipeline.RunOptions{CharBoxes: true, DetectDirection: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range res.Lines {
		fmt.Println(l.Text, l.Score, l.Box)
	}
}
