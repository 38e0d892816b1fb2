// The one translation unit that compiles stb_image / stb_image_write (header-only libraries).
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
// PNG only: stb's GIF, PSD, TGA, BMP, HDR, PIC and PNM decoders are where most of its published
// memory bugs live (Debian's copy is from 2022), and its JPEG decoder has undefined behaviour on
// corrupt entropy-coded data (found by fuzz_image); JPEG is read with libjpeg-turbo instead.
#define STBI_ONLY_PNG
#include <stb_image.h>
#include <stb_image_write.h>
