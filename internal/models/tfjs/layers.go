package tfjs

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Keras layers-model topology, as written by tensorflowjs_converter.
type kerasWrapper struct {
	ModelConfig *kerasClass     `json:"model_config"`
	ClassName   string          `json:"class_name"`
	Config      json.RawMessage `json:"config"`
}

type kerasClass struct {
	ClassName string          `json:"class_name"`
	Config    json.RawMessage `json:"config"`
}

type kerasModel struct {
	Name         string          `json:"name"`
	Layers       []kerasLayer    `json:"layers"`
	InputLayers  [][]any         `json:"input_layers"`
	OutputLayers json.RawMessage `json:"output_layers"`
}

type kerasLayer struct {
	Name         string         `json:"name"`
	ClassName    string         `json:"class_name"`
	Config       map[string]any `json:"config"`
	InboundNodes []any          `json:"inbound_nodes"`
}

// layerInputs lists the producing layer names of a layer's single call.
func (l *kerasLayer) inputs() ([]string, error) {
	if len(l.InboundNodes) == 0 {
		return nil, nil
	}
	if len(l.InboundNodes) > 1 {
		return nil, fmt.Errorf("layer %s is called %d times; shared layers are not supported", l.Name, len(l.InboundNodes))
	}
	node, ok := l.InboundNodes[0].([]any)
	if !ok {
		return nil, fmt.Errorf("layer %s: unsupported inbound_nodes format", l.Name)
	}
	var out []string
	for _, e := range node {
		ref, ok := e.([]any)
		if !ok || len(ref) < 1 {
			return nil, fmt.Errorf("layer %s: unsupported inbound node entry", l.Name)
		}
		name, _ := ref[0].(string)
		if len(ref) > 2 {
			if ti, _ := ref[2].(float64); ti != 0 {
				return nil, fmt.Errorf("layer %s: multi-output inputs are not supported", l.Name)
			}
		}
		out = append(out, name)
	}
	return out, nil
}

func cfgString(c map[string]any, k, def string) string {
	if s, ok := c[k].(string); ok {
		return s
	}
	return def
}

func cfgFloat(c map[string]any, k string, def float64) float64 {
	if f, ok := c[k].(float64); ok {
		return f
	}
	return def
}

func cfgBool(c map[string]any, k string, def bool) bool {
	if b, ok := c[k].(bool); ok {
		return b
	}
	return def
}

// cfgPair reads an int or a 2-list (kernel_size, strides, ...).
func cfgPair(c map[string]any, k string, def int64) [2]int64 {
	switch v := c[k].(type) {
	case float64:
		return [2]int64{int64(v), int64(v)}
	case []any:
		if len(v) == 2 {
			a, _ := v[0].(float64)
			b, _ := v[1].(float64)
			return [2]int64{int64(a), int64(b)}
		}
	}
	return [2]int64{def, def}
}

type layersConverter struct {
	b       *builder
	weights map[string]*tensor
	vals    map[string]*value
	uses    map[string]int
	layers  map[string]*kerasLayer
	// folded names a BatchNormalization layer already merged into the
	// convolution that feeds it.
	folded map[string]bool
}

func (lc *layersConverter) weight(layer, param string) (*tensor, error) {
	if t, ok := lc.weights[layer+"/"+param]; ok {
		return t, nil
	}
	suffix := "/" + layer + "/" + param
	var found *tensor
	var keys []string
	for k := range lc.weights {
		if strings.HasSuffix(k, suffix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > 0 {
		found = lc.weights[keys[0]]
	}
	if found == nil {
		return nil, fmt.Errorf("layer %s: weight %s not found", layer, param)
	}
	return found, nil
}

func kerasModelOf(topology json.RawMessage) (*kerasModel, bool, error) {
	var w kerasWrapper
	if err := json.Unmarshal(topology, &w); err != nil {
		return nil, false, err
	}
	cls := kerasClass{ClassName: w.ClassName, Config: w.Config}
	if w.ModelConfig != nil {
		cls = *w.ModelConfig
	}
	var m kerasModel
	switch cls.ClassName {
	case "Model", "Functional":
		if err := json.Unmarshal(cls.Config, &m); err != nil {
			return nil, false, err
		}
		return &m, false, nil
	case "Sequential":
		if err := json.Unmarshal(cls.Config, &m); err != nil {
			// Older Sequential configs are a bare list of layers.
			if err2 := json.Unmarshal(cls.Config, &m.Layers); err2 != nil {
				return nil, false, err
			}
		}
		return &m, true, nil
	}
	return nil, false, fmt.Errorf("unsupported Keras model class %q", cls.ClassName)
}

// convertLayers translates a Keras layers model.
func convertLayers(b *builder, topology json.RawMessage, weights map[string]*tensor) error {
	m, sequential, err := kerasModelOf(topology)
	if err != nil {
		return err
	}
	lc := &layersConverter{b: b, weights: weights, vals: map[string]*value{}, uses: map[string]int{},
		layers: map[string]*kerasLayer{}, folded: map[string]bool{}}
	for k := range m.Layers {
		// Sequential entries carry their name only inside config.
		if l := &m.Layers[k]; l.Name == "" {
			l.Name = cfgString(l.Config, "name", fmt.Sprintf("layer_%d", k))
		}
	}
	var outputs []string
	if sequential {
		prev := ""
		for k := range m.Layers {
			l := &m.Layers[k]
			if prev != "" {
				l.InboundNodes = []any{[]any{[]any{prev, 0.0, 0.0, map[string]any{}}}}
			} else if l.ClassName != "InputLayer" {
				// The first layer carries the input shape itself.
				in := kerasLayer{Name: l.Name + "_input", ClassName: "InputLayer", Config: l.Config}
				m.Layers = append([]kerasLayer{in}, m.Layers...)
				return convertLayers(b, sequentialTopology(m), weights)
			}
			prev = l.Name
		}
		outputs = []string{prev}
	} else {
		var outs [][]any
		if err := json.Unmarshal(m.OutputLayers, &outs); err != nil {
			return fmt.Errorf("output_layers: %w", err)
		}
		for _, o := range outs {
			name, _ := o[0].(string)
			outputs = append(outputs, name)
		}
	}
	b.reserve(outputs...)
	for k := range m.Layers {
		l := &m.Layers[k]
		lc.layers[l.Name] = l
		ins, err := l.inputs()
		if err != nil {
			return err
		}
		for _, in := range ins {
			lc.uses[in]++
		}
	}
	for _, o := range outputs {
		lc.uses[o]++
	}
	for k := range m.Layers {
		if err := lc.layer(&m.Layers[k]); err != nil {
			return err
		}
	}
	for _, o := range outputs {
		v, ok := lc.vals[o]
		if !ok {
			return fmt.Errorf("output layer %s not produced", o)
		}
		b.output(v, o)
	}
	return nil
}

func sequentialTopology(m *kerasModel) json.RawMessage {
	cfg, _ := json.Marshal(map[string]any{"name": m.Name, "layers": m.Layers})
	raw, _ := json.Marshal(map[string]any{"class_name": "Sequential", "config": json.RawMessage(cfg)})
	return raw
}

func kerasActivation(name string) (activation, bool, error) {
	switch name {
	case "", "linear":
		return activation{}, false, nil
	case "relu":
		return activation{kind: "Relu"}, false, nil
	case "relu6":
		return activation{kind: "Relu6"}, false, nil
	case "sigmoid":
		return activation{kind: "Sigmoid"}, false, nil
	case "tanh":
		return activation{kind: "Tanh"}, false, nil
	case "elu":
		return activation{kind: "Elu"}, false, nil
	case "softplus":
		return activation{kind: "Softplus"}, false, nil
	case "softmax":
		return activation{}, true, nil
	}
	return activation{}, false, fmt.Errorf("unsupported activation %q", name)
}

// bnFold returns the per-channel scale and shift of an inference-mode
// BatchNormalization layer.
func (lc *layersConverter) bnFold(l *kerasLayer) ([]float32, []float32, error) {
	mean, err := lc.weight(l.Name, "moving_mean")
	if err != nil {
		return nil, nil, err
	}
	variance, err := lc.weight(l.Name, "moving_variance")
	if err != nil {
		return nil, nil, err
	}
	eps := cfgFloat(l.Config, "epsilon", 1e-3)
	var gamma, beta *tensor
	if cfgBool(l.Config, "scale", true) {
		if gamma, err = lc.weight(l.Name, "gamma"); err != nil {
			return nil, nil, err
		}
	}
	if cfgBool(l.Config, "center", true) {
		if beta, err = lc.weight(l.Name, "beta"); err != nil {
			return nil, nil, err
		}
	}
	n := len(mean.f)
	scale, shift := make([]float32, n), make([]float32, n)
	for c := 0; c < n; c++ {
		s := 1 / math.Sqrt(float64(variance.f[c])+eps)
		if gamma != nil {
			s *= float64(gamma.f[c])
		}
		sh := -float64(mean.f[c]) * s
		if beta != nil {
			sh += float64(beta.f[c])
		}
		scale[c], shift[c] = float32(s), float32(sh)
	}
	return scale, shift, nil
}

func (lc *layersConverter) layer(l *kerasLayer) error {
	ins, _ := l.inputs()
	var in []*value
	for _, n := range ins {
		v, ok := lc.vals[n]
		if !ok {
			return fmt.Errorf("layer %s: input %s not produced yet", l.Name, n)
		}
		in = append(in, v)
	}
	out, err := lc.build(l, in)
	if err != nil {
		return err
	}
	lc.vals[l.Name] = out
	return nil
}

// build converts one layer whose inputs are in; every case returns.
func (lc *layersConverter) build(l *kerasLayer, in []*value) (*value, error) {
	b := lc.b
	c := l.Config
	// wrap names the layer in a builder's error.
	wrap := func(v *value, err error) (*value, error) {
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Name, err)
		}
		return v, nil
	}
	one := func() (*value, error) {
		if len(in) != 1 {
			return nil, fmt.Errorf("layer %s (%s): expected one input, got %d", l.Name, l.ClassName, len(in))
		}
		return in[0], nil
	}
	if df := cfgString(c, "data_format", "channels_last"); df != "channels_last" {
		return nil, fmt.Errorf("layer %s: data_format %s is not supported", l.Name, df)
	}
	switch l.ClassName {
	case "InputLayer":
		shape := []int64{}
		bis, _ := c["batch_input_shape"].([]any)
		if bis == nil {
			bis, _ = c["batch_shape"].([]any)
		}
		if bis == nil {
			return nil, fmt.Errorf("layer %s: no batch_input_shape", l.Name)
		}
		for _, d := range bis {
			if f, ok := d.(float64); ok {
				shape = append(shape, int64(f))
			} else {
				shape = append(shape, -1)
			}
		}
		return b.input(l.Name, dtFloat, shape), nil
	case "ZeroPadding2D":
		x, err := one()
		if err != nil {
			return nil, err
		}
		var p [2][2]int64
		switch v := c["padding"].(type) {
		case float64:
			p = [2][2]int64{{int64(v), int64(v)}, {int64(v), int64(v)}}
		case []any:
			for k := 0; k < 2 && k < len(v); k++ {
				switch e := v[k].(type) {
				case float64:
					p[k] = [2]int64{int64(e), int64(e)}
				case []any:
					a, _ := e[0].(float64)
					z, _ := e[1].(float64)
					p[k] = [2]int64{int64(a), int64(z)}
				}
			}
		}
		return wrap(b.pad(l.Name, x, [][2]int64{{0, 0}, p[0], p[1], {0, 0}}))
	case "Conv2D", "DepthwiseConv2D":
		x, err := one()
		if err != nil {
			return nil, err
		}
		return wrap(lc.conv(l, x))
	case "BatchNormalization":
		x, err := one()
		if err != nil {
			return nil, err
		}
		if lc.folded[l.Name] {
			return x, nil
		}
		if ax := cfgFloat(c, "axis", -1); ax != -1 && int(ax) != x.rank()-1 {
			return nil, fmt.Errorf("layer %s: BatchNormalization over axis %v is not supported", l.Name, ax)
		}
		scale, shift, err := lc.bnFold(l)
		if err != nil {
			return nil, err
		}
		n := int64(len(scale))
		m, err := b.binary(l.Name+"/mul", "Mul", x, b.floatConst(l.Name+"/scale", []int64{n}, scale...))
		if err != nil {
			return nil, err
		}
		return wrap(b.binary(l.Name, "Add", m, b.floatConst(l.Name+"/shift", []int64{n}, shift...)))
	case "ReLU":
		x, err := one()
		if err != nil {
			return nil, err
		}
		if cfgFloat(c, "negative_slope", 0) != 0 || cfgFloat(c, "threshold", 0) != 0 {
			return nil, fmt.Errorf("layer %s: ReLU with negative_slope or threshold is not supported", l.Name)
		}
		if mv, ok := c["max_value"].(float64); ok {
			return b.clip(l.Name, x, 0, float32(mv)), nil
		}
		return wrap(b.unary(l.Name, "Relu", x))
	case "Activation", "Softmax":
		x, err := one()
		if err != nil {
			return nil, err
		}
		name := cfgString(c, "activation", "softmax")
		act, soft, err := kerasActivation(name)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Name, err)
		}
		if soft {
			return b.softmax(l.Name, x, -1), nil
		}
		return wrap(b.activate(l.Name, x, act))
	case "Add", "Multiply", "Maximum", "Minimum", "Subtract":
		if len(in) < 2 {
			return nil, fmt.Errorf("layer %s: %s needs two inputs", l.Name, l.ClassName)
		}
		op := map[string]string{"Add": "Add", "Multiply": "Mul", "Maximum": "Maximum", "Minimum": "Minimum", "Subtract": "Sub"}[l.ClassName]
		out := in[0]
		for k := 1; k < len(in); k++ {
			var err error
			if out, err = b.binary(fmt.Sprintf("%s_%d", l.Name, k), op, out, in[k]); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "Concatenate":
		return wrap(b.concat(l.Name, in, int64(cfgFloat(c, "axis", -1))))
	case "MaxPooling2D", "AveragePooling2D":
		x, err := one()
		if err != nil {
			return nil, err
		}
		k := cfgPair(c, "pool_size", 2)
		s := k
		if c["strides"] != nil {
			s = cfgPair(c, "strides", 1)
		}
		kind := "max"
		if l.ClassName == "AveragePooling2D" {
			kind = "avg"
		}
		return wrap(b.pool(l.Name, kind, x, k, s, strings.ToUpper(cfgString(c, "padding", "valid"))))
	case "GlobalAveragePooling2D", "GlobalMaxPooling2D":
		x, err := one()
		if err != nil {
			return nil, err
		}
		op := "Mean"
		if l.ClassName == "GlobalMaxPooling2D" {
			op = "Max"
		}
		return wrap(b.reduce(l.Name, op, x, []int64{1, 2}, cfgBool(c, "keepdims", false)))
	case "Flatten":
		x, err := one()
		if err != nil {
			return nil, err
		}
		return b.flatten(l.Name, x), nil
	case "Dense":
		x, err := one()
		if err != nil {
			return nil, err
		}
		return wrap(lc.dense(l, x))
	case "SeparableConv2D":
		x, err := one()
		if err != nil {
			return nil, err
		}
		return wrap(lc.separable(l, x))
	case "LeakyReLU":
		x, err := one()
		if err != nil {
			return nil, err
		}
		alpha := cfgFloat(c, "alpha", cfgFloat(c, "negative_slope", 0.3))
		return wrap(b.activate(l.Name, x, activation{kind: "LeakyRelu", alpha: float32(alpha)}))
	case "PReLU":
		x, err := one()
		if err != nil {
			return nil, err
		}
		alpha, err := lc.weight(l.Name, "alpha")
		if err != nil {
			return nil, err
		}
		// Shared axes leave size-1 dimensions; a per-channel slope is [C].
		slope := alpha
		if alpha.size() == x.shape[x.rank()-1] {
			slope = alpha.reshaped([]int64{alpha.size()})
		}
		return wrap(b.prelu(l.Name, x, slope))
	case "ELU":
		x, err := one()
		if err != nil {
			return nil, err
		}
		if a := cfgFloat(c, "alpha", 1); a != 1 {
			return nil, fmt.Errorf("layer %s: ELU with alpha %v is not supported", l.Name, a)
		}
		return wrap(b.unary(l.Name, "Elu", x))
	case "UpSampling2D":
		x, err := one()
		if err != nil {
			return nil, err
		}
		f := cfgPair(c, "size", 2)
		if x.shape[1] < 0 || x.shape[2] < 0 {
			return nil, fmt.Errorf("layer %s: UpSampling2D needs a known input size", l.Name)
		}
		oh, ow := x.shape[1]*f[0], x.shape[2]*f[1]
		switch interp := cfgString(c, "interpolation", "nearest"); interp {
		case "nearest":
			return wrap(b.resizeNearest(l.Name, x, oh, ow))
		case "bilinear":
			return wrap(b.resizeBilinear(l.Name, x, oh, ow, false, false))
		default:
			return nil, fmt.Errorf("layer %s: UpSampling2D interpolation %q is not supported", l.Name, interp)
		}
	case "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout":
		return one()
	case "Reshape":
		x, err := one()
		if err != nil {
			return nil, err
		}
		ts, _ := c["target_shape"].([]any)
		target := []int64{-1}
		if x.shape[0] > 0 {
			target[0] = x.shape[0]
		}
		for _, d := range ts {
			f, _ := d.(float64)
			target = append(target, int64(f))
		}
		return wrap(b.reshape(l.Name, x, target))
	default:
		return nil, fmt.Errorf("unsupported layer type %s (layer %s)", l.ClassName, l.Name)
	}
}

// conv converts Conv2D/DepthwiseConv2D, folding a following
// BatchNormalization when it is the convolution's only consumer.
func (lc *layersConverter) conv(l *kerasLayer, x *value) (*value, error) {
	c := l.Config
	depthwise := l.ClassName == "DepthwiseConv2D"
	param := "kernel"
	if depthwise {
		param = "depthwise_kernel"
	}
	w, err := lc.weight(l.Name, param)
	if err != nil {
		return nil, err
	}
	var bias *tensor
	if cfgBool(c, "use_bias", true) {
		if bias, err = lc.weight(l.Name, "bias"); err != nil {
			return nil, err
		}
	}
	act, soft, err := kerasActivation(cfgString(c, "activation", "linear"))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.Name, err)
	}
	if bn := lc.soleBNConsumer(l.Name); bn != nil && act.kind == "" && !soft {
		scale, shift, err := lc.bnFold(bn)
		if err != nil {
			return nil, err
		}
		cout := int64(len(scale))
		nw := floatTensor(w.shape, append([]float32(nil), w.f...))
		// The last filter axis (out channels, or the multiplier for
		// depthwise) varies fastest; channel index = flat % cout except for
		// depthwise where it is (c*M + j) over the last two axes.
		last := w.shape[3]
		if depthwise {
			last = w.shape[2] * w.shape[3]
		}
		if last != cout {
			return nil, fmt.Errorf("layer %s: BatchNormalization %s has %d channels, convolution %d", l.Name, bn.Name, cout, last)
		}
		for k := range nw.f {
			nw.f[k] *= scale[int64(k)%cout]
		}
		nb := make([]float32, cout)
		for k := range nb {
			var b0 float32
			if bias != nil {
				b0 = bias.f[k]
			}
			nb[k] = b0*scale[k] + shift[k]
		}
		w, bias = nw, floatTensor([]int64{cout}, nb)
		lc.folded[bn.Name] = true
	}
	cs := convSpec{strides: cfgPair(c, "strides", 1), dilations: cfgPair(c, "dilation_rate", 1),
		padding: strings.ToUpper(cfgString(c, "padding", "valid")), depthwise: depthwise}
	out, err := lc.b.conv(l.Name, x, w, bias, cs, act)
	if err != nil {
		return nil, err
	}
	if soft {
		out = lc.b.softmax(l.Name+"/softmax", out, -1)
	}
	return out, nil
}

// soleBNConsumer returns the BatchNormalization layer that is the only
// consumer of layer name, or nil.
func (lc *layersConverter) soleBNConsumer(name string) *kerasLayer {
	if lc.uses[name] != 1 {
		return nil
	}
	for _, l := range lc.layers {
		if l.ClassName != "BatchNormalization" {
			continue
		}
		ins, _ := l.inputs()
		if len(ins) == 1 && ins[0] == name {
			if ax := cfgFloat(l.Config, "axis", -1); ax != -1 && ax != 3 {
				return nil
			}
			return l
		}
	}
	return nil
}

func (lc *layersConverter) dense(l *kerasLayer, x *value) (*value, error) {
	w, err := lc.weight(l.Name, "kernel")
	if err != nil {
		return nil, err
	}
	var bias *tensor
	if cfgBool(l.Config, "use_bias", true) {
		if bias, err = lc.weight(l.Name, "bias"); err != nil {
			return nil, err
		}
	}
	act, soft, err := kerasActivation(cfgString(l.Config, "activation", "linear"))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.Name, err)
	}
	out, err := lc.b.dense(l.Name, x, lc.b.constant(l.Name+"/kernel", w), bias, false, false, act)
	if err != nil {
		return nil, err
	}
	if soft {
		out = lc.b.softmax(l.Name+"/softmax", out, -1)
	}
	return out, nil
}

// separable converts SeparableConv2D: a depthwise convolution then a 1x1
// pointwise one carrying the bias and activation.
func (lc *layersConverter) separable(l *kerasLayer, x *value) (*value, error) {
	c := l.Config
	dw, err := lc.weight(l.Name, "depthwise_kernel")
	if err != nil {
		return nil, err
	}
	pw, err := lc.weight(l.Name, "pointwise_kernel")
	if err != nil {
		return nil, err
	}
	var bias *tensor
	if cfgBool(c, "use_bias", true) {
		if bias, err = lc.weight(l.Name, "bias"); err != nil {
			return nil, err
		}
	}
	act, soft, err := kerasActivation(cfgString(c, "activation", "linear"))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.Name, err)
	}
	cs := convSpec{strides: cfgPair(c, "strides", 1), dilations: cfgPair(c, "dilation_rate", 1),
		padding: strings.ToUpper(cfgString(c, "padding", "valid")), depthwise: true}
	mid, err := lc.b.conv(l.Name+"/depthwise", x, dw, nil, cs, activation{})
	if err != nil {
		return nil, err
	}
	pcs := convSpec{strides: [2]int64{1, 1}, dilations: [2]int64{1, 1}, padding: "VALID"}
	out, err := lc.b.conv(l.Name, mid, pw, bias, pcs, act)
	if err != nil {
		return nil, err
	}
	if soft {
		out = lc.b.softmax(l.Name+"/softmax", out, -1)
	}
	return out, nil
}
