// Package onnxpb holds the Go types generated from the ONNX model schema
// (third_party/onnx/onnx.proto). The TFJS converter writes models through
// them so the output is standard protobuf, not a hand-rolled encoding.
package onnxpb

//go:generate protoc --proto_path=../../../third_party/onnx --go_out=. --go_opt=paths=source_relative --go_opt=Monnx.proto=github.com/aisd/aisd/internal/models/onnxpb onnx.proto
