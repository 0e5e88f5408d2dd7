#!/usr/bin/python3
"""Generates the image test inputs and the expected preprocessing arrays ("goldens").

Run once with Debian's python3-pil and python3-numpy (Pillow 9.4, NumPy 1.24 were used):

    /usr/bin/python3 scripts/make_image_goldens.py

Writes into tests/EditToAudio.Tests/Data/images/:
  * small encoded inputs (PNG, PNG with alpha, two-frame GIF, JPEG with EXIF orientation 6,
    lossless WebP, 24-bit BMP);
  * clip_goldens.npz: for each case, the uint8 [224, 224, 3] image after CLIP's resize and
    center crop, computed by Pillow itself (Image.resize with BICUBIC, then crop). The tests
    apply /255 and CLIP's mean/std in float64, so the stored bytes are the whole reference;
  * sam2_goldens.npz: SAM2's resize of the image (as a float tensor in [0, 1]) to 1024x1024
    with torchvision's Resize (bilinear, antialias=True), emulated in float64 NumPy, sampled at
    every border pixel and at seeded random positions (the full array is 12 MB);
  * decoded pixels PIL gives for the GIF's first frame and for the EXIF-rotated JPEG.

Cases named formula_WxH are not stored as files: both this script and the tests generate them
from the integer formula in formula_image().
"""

import io
import os

import numpy as np
from PIL import Image, ImageDraw, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "EditToAudio.Tests", "Data", "images")
CLIP_SIZE = 224
SAM2_SIZE = 1024


def formula_image(width, height):
    """Integer pattern with smooth ramps, an XOR texture and rings (high and low frequencies).
    The C# tests compute the same formula; keep both in step."""
    y, x = np.mgrid[0:height, 0:width].astype(np.int64)
    r = (x * 3 + y * 5 + ((x * y) >> 6)) & 255
    g = ((x ^ y) * 7) & 255
    b = (((x - width // 2) ** 2 + (y - height // 2) ** 2) >> 7) & 255
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def scene_300x200():
    y, x = np.mgrid[0:200, 0:300]
    base = np.stack([x * 255 // 299, y * 255 // 199, (x + y) * 255 // 498], axis=-1).astype(np.uint8)
    img = Image.fromarray(base, "RGB")
    d = ImageDraw.Draw(img)
    d.rectangle((20, 30, 110, 120), fill=(250, 20, 20))
    d.ellipse((150, 40, 260, 150), fill=(20, 200, 40))
    d.polygon([(40, 190), (120, 140), (200, 190)], fill=(10, 10, 240))
    for i in range(0, 300, 6):  # thin lines: aliasing-prone content
        d.line((i, 0, i, 25), fill=(255, 255, 255) if (i // 6) % 2 else (0, 0, 0))
    for i in range(0, 60, 2):
        d.line((230, 160 + i // 2, 299, 160 + i // 2), fill=(255, 255, 0) if i % 4 else (0, 0, 0))
    return img


def portrait_rgba_180x260():
    rgb = formula_image(180, 260)
    y, x = np.mgrid[0:260, 0:180]
    alpha = ((x + 2 * y) % 256).astype(np.uint8)  # varying, including 0 and fully opaque
    return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")


def two_frame_gif():
    first = np.zeros((48, 64, 3), np.uint8)
    first[:24, :32] = (255, 0, 0)
    first[:24, 32:] = (0, 255, 0)
    first[24:, :32] = (0, 0, 255)
    first[24:, 32:] = (255, 255, 255)
    first[20:28, 28:36] = (128, 64, 32)
    second = np.full((48, 64, 3), (10, 200, 200), np.uint8)
    f1 = Image.fromarray(first, "RGB").quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    f2 = Image.fromarray(second, "RGB").quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    f1.save(buf, "GIF", save_all=True, append_images=[f2], duration=100, loop=0, optimize=False)
    return buf.getvalue()


def oriented_jpeg():
    """Stored 96x64 (W x H) with four colored quadrants; EXIF orientation 6 (rotate 90 deg
    clockwise to display), so the displayed image is 64x96."""
    stored = np.zeros((64, 96, 3), np.uint8)
    stored[:32, :48] = (220, 30, 30)    # stored top-left: red
    stored[:32, 48:] = (30, 220, 30)    # stored top-right: green
    stored[32:, :48] = (30, 30, 220)    # stored bottom-left: blue
    stored[32:, 48:] = (230, 230, 40)   # stored bottom-right: yellow
    img = Image.fromarray(stored, "RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95, subsampling=0, exif=exif.tobytes())
    return buf.getvalue()


def clip_resize_crop(img):
    """OpenAI CLIP: Resize(224, BICUBIC) on a PIL image, then CenterCrop(224)."""
    w, h = img.size
    if w <= h:
        size = (CLIP_SIZE, int(CLIP_SIZE * h / w))
    else:
        size = (int(CLIP_SIZE * w / h), CLIP_SIZE)
    resized = img.resize(size, Image.BICUBIC)
    left = int(round((size[0] - CLIP_SIZE) / 2.0))
    top = int(round((size[1] - CLIP_SIZE) / 2.0))
    cropped = resized.crop((left, top, left + CLIP_SIZE, top + CLIP_SIZE))
    return np.asarray(cropped, dtype=np.uint8).copy()


def aa_bilinear_matrix(in_size, out_size):
    """Row i holds the weights torch's antialiased bilinear interpolation (align_corners=False)
    gives the input samples for output sample i: a triangle filter whose support is widened by
    the downscale factor, taps [xmin, xmax) with xmin = trunc(center - support + 0.5) clamped to
    0, xmax = trunc(center + support + 0.5) clamped to in_size, weights normalized to sum 1."""
    scale = in_size / out_size
    support = scale if scale >= 1.0 else 1.0
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    m = np.zeros((out_size, in_size), np.float64)
    for i in range(out_size):
        center = scale * (i + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size)
        j = np.arange(xmin, xmax, dtype=np.float64)
        w = np.clip(1.0 - np.abs((j - center + 0.5) * invscale), 0.0, None)
        total = w.sum()
        if total != 0.0:
            w = w / total
        m[i, xmin:xmax] = w
    return m


def sam2_resize01(rgb):
    """SAM2Transforms: ToTensor (uint8 -> float in [0, 1], CHW) then Resize((1024, 1024)) on the
    tensor: bilinear, antialias=True (torchvision >= 0.17 default; SAM2 requires newer). The
    separable filter is applied as two matrix products in float64: out_c = Wy @ img_c @ Wx^T."""
    h, w, _ = rgb.shape
    wy = aa_bilinear_matrix(h, SAM2_SIZE)
    wx = aa_bilinear_matrix(w, SAM2_SIZE)
    img = rgb.astype(np.float64) / 255.0
    return np.stack([wy @ img[:, :, c] @ wx.T for c in range(3)], axis=0)  # [3, 1024, 1024]


def sam2_samples(full, rng):
    n = SAM2_SIZE
    border = set(range(n)) | {(n - 1) * n + i for i in range(n)} | {i * n for i in range(n)} | {i * n + n - 1 for i in range(n)}
    rand = set(rng.choice(n * n, size=2048, replace=False).tolist())
    idx = np.array(sorted(border | rand), dtype=np.int32)
    flat = full.reshape(3, n * n)
    return idx, flat[:, idx].T.astype(np.float32).copy()  # [N, 3]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20260425)

    scene = scene_300x200()
    scene.save(os.path.join(OUT, "scene_300x200.png"), optimize=True)
    portrait = portrait_rgba_180x260()
    portrait.save(os.path.join(OUT, "portrait_rgba_180x260.png"), optimize=True)
    with open(os.path.join(OUT, "two_frames_64x48.gif"), "wb") as f:
        f.write(two_frame_gif())
    with open(os.path.join(OUT, "orientation6_96x64.jpg"), "wb") as f:
        f.write(oriented_jpeg())
    Image.fromarray(formula_image(40, 30), "RGB").save(os.path.join(OUT, "lossless_40x30.webp"), lossless=True)
    Image.fromarray(formula_image(50, 40), "RGB").save(os.path.join(OUT, "plain_50x40.bmp"))

    # What PIL decodes (re-read from disk, as a user of PIL would).
    decoded = {
        "scene": np.asarray(Image.open(os.path.join(OUT, "scene_300x200.png")).convert("RGB")),
        # convert("RGB") drops alpha without compositing: the engine does the same.
        "portrait": np.asarray(Image.open(os.path.join(OUT, "portrait_rgba_180x260.png")).convert("RGB")),
        "gif_first_frame": np.asarray(Image.open(os.path.join(OUT, "two_frames_64x48.gif")).convert("RGB")),
        "jpeg_oriented": np.asarray(ImageOps.exif_transpose(Image.open(os.path.join(OUT, "orientation6_96x64.jpg"))).convert("RGB")),
    }
    assert decoded["jpeg_oriented"].shape == (96, 64, 3)

    clip_cases = {
        "scene": decoded["scene"],
        "portrait": decoded["portrait"],
        "gif_first_frame": decoded["gif_first_frame"],
        "jpeg_oriented": decoded["jpeg_oriented"],
        "formula_1037x761": formula_image(1037, 761),
        "formula_640x2000": formula_image(640, 2000),
        "formula_150x100": formula_image(150, 100),
        "formula_224x500": formula_image(224, 500),
    }
    clip = {}
    for name, rgb in clip_cases.items():
        clip["clip_" + name] = clip_resize_crop(Image.fromarray(np.ascontiguousarray(rgb), "RGB"))
    for name in ("gif_first_frame", "jpeg_oriented"):
        clip["decoded_" + name] = np.ascontiguousarray(decoded[name])
    np.savez_compressed(os.path.join(OUT, "clip_goldens.npz"), **clip)

    sam2_cases = {
        "scene": decoded["scene"],
        "formula_1500x1300": formula_image(1500, 1300),
        "formula_1024x700": formula_image(1024, 700),
        "formula_2000x613": formula_image(2000, 613),
    }
    sam2 = {}
    for name, rgb in sam2_cases.items():
        idx, values = sam2_samples(sam2_resize01(rgb), rng)
        sam2["sam2_" + name + "_index"] = idx
        sam2["sam2_" + name + "_values"] = values
    np.savez_compressed(os.path.join(OUT, "sam2_goldens.npz"), **sam2)

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, into {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
