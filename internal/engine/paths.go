package engine

import (
	"errors"
	"os"
	"path/filepath"
)

// Layout of the models directory agreed with the model manager.
const (
	// LibRel is the ONNX Runtime shared library under the models root.
	LibRel = "onnxruntime/libonnxruntime.so.1"
	// EnvModelsDir overrides the models root.
	EnvModelsDir = "AISD_MODELS_DIR"
)

// ModelsRoot returns $AISD_MODELS_DIR, else <repo>/models where <repo> is the
// nearest directory at or above the working directory holding go.mod.
func ModelsRoot() (string, error) {
	if d := os.Getenv(EnvModelsDir); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "models"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("engine: no go.mod above the working directory and " + EnvModelsDir + " unset")
		}
		dir = parent
	}
}

// LibPath is the ONNX Runtime library inside a models root.
func LibPath(root string) string { return filepath.Join(root, LibRel) }
