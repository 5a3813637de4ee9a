package imagerec

import (
	"errors"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/imagecheck"
)

// Media tagging and media tagging with detection publish their own codes
// (AIS.0201–0206) where image tagging answers AIS.05xx; the other
// conditions (signature, subscription, URL policy, OBS authorisation,
// timeouts) keep the family's common codes.

// tooLarge marks an image refused for a side or pixel count over the
// limit (AIS.0205), as opposed to one under the minimum side.
type tooLarge struct{ error }

func (e tooLarge) Unwrap() error { return e.error }

// sizeErr tells an over-limit image from an undersized one by reading
// its header again without size limits.
func sizeErr(err error, data []byte, spec imagecheck.Spec) error {
	if !catalog.IsKind(err, catalog.KindImageSize) {
		return err
	}
	h, herr := imagecheck.Inspect(data, imagecheck.Spec{Formats: spec.Formats})
	if herr != nil {
		return err
	}
	long := max(h.Width, h.Height)
	pixels := int64(h.Width) * int64(h.Height)
	if (spec.MaxSide > 0 && long > spec.MaxSide) || (spec.MaxPixels > 0 && pixels > spec.MaxPixels) ||
		(spec.MaxPixels == 0 && spec.MaxSide > 0 && pixels > int64(spec.MaxSide)*int64(spec.MaxSide)) {
		return tooLarge{err}
	}
	return err
}

// mediaCodes maps the kinds media tagging publishes codes for.
var mediaCodes = map[catalog.Kind]catalog.Code{
	// Obtaining the image: the URL or object could not be read, the
	// base64 is broken or the input is empty.
	catalog.KindURLFetch:     catalog.AIS0201,
	catalog.KindURLTooLarge:  catalog.AIS0201,
	catalog.KindOBSRead:      catalog.AIS0201,
	catalog.KindOBSNotFound:  catalog.AIS0201,
	catalog.KindOBSTooLarge:  catalog.AIS0201,
	catalog.KindBadBase64:    catalog.AIS0201,
	catalog.KindImageEmpty:   catalog.AIS0201,
	catalog.KindImageQuality: catalog.AIS0201,
	catalog.KindImageFormat:  catalog.AIS0202,
	catalog.KindFileType:     catalog.AIS0202,
	catalog.KindBadParam:     catalog.AIS0203,
	catalog.KindMissingParam: catalog.AIS0203,
	catalog.KindLanguage:     catalog.AIS0203,
	catalog.KindBadJSON:      catalog.AIS0203,
	catalog.KindColorDepth:   catalog.AIS0204,
	// An image under the minimum side does not meet the requirements;
	// one over the maximum is AIS.0205 (see sizeErr).
	catalog.KindImageSize:       catalog.AIS0203,
	catalog.KindRecognition:     catalog.AIS0206,
	catalog.KindInternal:        catalog.AIS0206,
	catalog.KindBackendResponse: catalog.AIS0206,
}

// mediaErr renders err with the media-tagging code of its kind.
func mediaErr(err error) error {
	if err == nil {
		return nil
	}
	var big tooLarge
	if errors.As(err, &big) {
		return catalog.New(catalog.AIS0205).Wrap(err)
	}
	e, ok := catalog.From(err)
	if !ok {
		// Context errors: the platform's guard answers its timeout codes.
		return err
	}
	if code, ok := mediaCodes[e.Kind()]; ok {
		return catalog.New(code).Wrap(err)
	}
	return err
}
