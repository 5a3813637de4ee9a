#!/usr/bin/python3
"""Writes opencv_golden.json: OpenCV / pyclipper outputs that the Go
re-implementations in this package must reproduce. Needs Debian's
python3-opencv, python3-numpy and python3-pyclipper; run from this
directory: /usr/bin/python3 opencv_golden.py"""
import json
import cv2
import numpy as np
import pyclipper

rng = np.random.default_rng(7)
# A smooth random image exercises interpolation better than pure noise.
base = rng.integers(0, 256, size=(23, 37, 3), dtype=np.uint8)
img = cv2.GaussianBlur(cv2.resize(base, (37, 23), interpolation=cv2.INTER_NEAREST), (3, 3), 0)
img[5:9, 3:30] = 255
img[12:14, 10:20] = 0

def enc(a):
    return {"h": int(a.shape[0]), "w": int(a.shape[1]), "pix": a.reshape(-1).tolist()}

out = {"image": enc(img), "resize": [], "crop": [], "rect": [], "offset": []}
for w, h in [(64, 32), (18, 11), (18, 12), (74, 46), (120, 48), (5, 48), (37, 23), (1, 1)]:
    out["resize"].append({"w": w, "h": h, "out": enc(cv2.resize(img, (w, h)))})

def crop(points):
    w = int(max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[2] - points[3])))
    h = int(max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2])))
    std = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(points, std)
    d = cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if d.shape[0] / d.shape[1] >= 1.5:
        d = np.rot90(d)
    return np.ascontiguousarray(d)

for q in [[[2, 3], [30, 4], [29, 12], [1, 11]], [[0, 0], [36, 0], [36, 22], [0, 22]],
          [[5.5, 2.25], [20.75, 3.5], [19, 20], [4, 18.5]], [[10, 1], [14, 1], [14, 21], [10, 21]],
          [[-3, -2], [40, 1], [39, 26], [-2, 25]]]:
    p = np.array(q, dtype=np.float32)
    out["crop"].append({"box": q, "out": enc(crop(p))})

for pts in [[[0, 0], [10, 0], [10, 5], [0, 5]], [[3, 1], [12, 4], [10, 10], [1, 7]],
            [[231, 746], [286, 746], [286, 756], [231, 756], [250, 760]],
            [[0, 0], [5, 5], [10, 0], [5, -5]], [[1, 1], [2, 7], [9, 8], [11, 3], [6, 0]]]:
    a = np.array(pts, dtype=np.int32).reshape(-1, 1, 2)
    r = cv2.minAreaRect(a)
    out["rect"].append({"pts": pts, "box": cv2.boxPoints(r).tolist(), "side": float(min(r[1]))})

for q, d in [([[231.0, 745.99994], [286.0, 745.99994], [286.0, 755.99994], [231.0, 755.99994]], 6.769230769230769),
             ([[3.2, 1.9], [40.7, 6.1], [38.9, 20.4], [1.5, 16.2]], 4.2),
             ([[0, 0], [100, 0], [100, 20], [0, 20]], 12.5)]:
    o = pyclipper.PyclipperOffset()
    o.AddPath(np.array(q, dtype=np.float32), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    out["offset"].append({"poly": q, "delta": d, "out": o.Execute(d)})

# Contours as the detector's bitmaps produce them: filled, partly rotated
# boxes with ragged specks, traced by findContours.
out["contours"] = []
crng = np.random.default_rng(1)
while len(out["contours"]) < 300:
    m = np.zeros((60, 200), np.uint8)
    cx, cy = crng.uniform(40, 160), crng.uniform(15, 45)
    w, h = crng.uniform(5, 150), crng.uniform(3, 25)
    ang = crng.choice([0, 0, 0, crng.uniform(-20, 20)])
    cv2.fillPoly(m, [cv2.boxPoints(((cx, cy), (w, h), ang)).astype(np.int32)], 255)
    for _ in range(crng.integers(0, 6)):
        x, y = crng.integers(0, 200), crng.integers(0, 60)
        m[y:y + 2, x:x + 3] = 255
    cs, _ = cv2.findContours(m, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for c in cs:
        if len(c) >= 3:
            r = cv2.minAreaRect(c)
            out["contours"].append({"pts": c.reshape(-1, 2).tolist(), "box": cv2.boxPoints(r).tolist(),
                                    "side": float(min(r[1]))})

with open("opencv_golden.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
