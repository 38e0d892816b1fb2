// The one translation unit that compiles stb_image / stb_image_write (header-only libraries).
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
// Only the formats Shortrun reads: stb's GIF, PSD, TGA, BMP, HDR, PIC and PNM decoders are where
// most of its published memory bugs live (Debian's copy is from 2022), and no reader needs them.
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#include <stb_image.h>
#include <stb_image_write.h>
