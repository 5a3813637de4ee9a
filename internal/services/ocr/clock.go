package ocr

import "time"

// now is the clock the validity checks read; tests may pin it.
var now = time.Now
