// CUDA–OpenGL interop upload (SHORTRUN_WITH_CUDA builds): each texture is registered with CUDA
// once; an upload maps it, copies every tile straight from the tensor's device memory into
// the texture's array, and unmaps. Tiles without device memory, and textures CUDA cannot
// register, go through the host path instead.
#ifdef SHORTRUN_WITH_CUDA
#include <cstdio>
#include <unordered_map>

// GLEW (through texture_upload.h) must come before the GL headers CUDA's interop pulls in.
#include "display/texture_upload.h"

#include <cuda_gl_interop.h>
#include <cuda_runtime_api.h>

namespace shortrun::explorer {

namespace {
class CudaTextureUpload : public TextureUpload {
 public:
  explicit CudaTextureUpload(std::unique_ptr<TextureUpload> fallback) : fallback_(std::move(fallback)) {}
  ~CudaTextureUpload() override {
    for (auto& [id, reg] : registered_)
      if (reg.resource) cudaGraphicsUnregisterResource(reg.resource);
  }
  std::string name() const override { return "CUDA-GL interop (host fallback: " + fallback_->name() + ")"; }
  size_t device_tiles() const override { return device_tiles_; }

  void upload(const GlTexture& texture, const std::vector<Tile>& tiles) override {
    std::vector<Tile> host_tiles;
    std::vector<const Tile*> device_tiles;
    const int texture_channels = texture.format() == GL_R32F ? 1 : 4;
    for (const Tile& t : tiles) {
      if (t.device && t.device_channels == texture_channels) device_tiles.push_back(&t);
      else host_tiles.push_back(t);
    }
    cudaGraphicsResource* res = device_tiles.empty() ? nullptr : resource_for(texture);
    if (!res) {
      for (const Tile* t : device_tiles) host_tiles.push_back(*t);
    } else if (!copy_tiles(res, device_tiles, texture_channels)) {
      for (const Tile* t : device_tiles) host_tiles.push_back(*t);
    }
    if (!host_tiles.empty()) fallback_->upload(texture, host_tiles);
  }

 private:
  struct Registration {
    cudaGraphicsResource* resource = nullptr;
    int width = 0, height = 0;
    GLenum format = 0;
  };

  // Registers a texture once (again if it was reallocated); nullptr if CUDA refuses it.
  cudaGraphicsResource* resource_for(const GlTexture& texture) {
    Registration& reg = registered_[texture.id()];
    if (reg.resource && reg.width == texture.width() && reg.height == texture.height() && reg.format == texture.format())
      return reg.resource;
    if (reg.resource) cudaGraphicsUnregisterResource(reg.resource);
    reg = Registration{};
    const cudaError_t err = cudaGraphicsGLRegisterImage(&reg.resource, texture.id(), GL_TEXTURE_2D,
                                                        cudaGraphicsRegisterFlagsWriteDiscard);
    if (err != cudaSuccess) {
      if (!warned_) std::fprintf(stderr, "shortrun-explorer: CUDA-GL interop unavailable (%s); using host upload\n",
                                 cudaGetErrorString(err));
      warned_ = true;
      reg.resource = nullptr;
      return nullptr;
    }
    reg.width = texture.width();
    reg.height = texture.height();
    reg.format = texture.format();
    return reg.resource;
  }

  bool copy_tiles(cudaGraphicsResource* res, const std::vector<const Tile*>& tiles, int channels) {
    if (cudaGraphicsMapResources(1, &res) != cudaSuccess) return false;
    cudaArray_t array = nullptr;
    bool ok = cudaGraphicsSubResourceGetMappedArray(&array, res, 0, 0) == cudaSuccess;
    const size_t pixel_bytes = sizeof(float) * channels;
    for (const Tile* t : tiles) {
      if (!ok) break;
      ok = cudaMemcpy2DToArray(array, t->x * pixel_bytes, t->y, t->device, t->w * pixel_bytes, t->w * pixel_bytes, t->h,
                               cudaMemcpyDeviceToDevice) == cudaSuccess;
      if (ok) ++device_tiles_;
    }
    cudaGraphicsUnmapResources(1, &res);
    return ok;
  }

  std::unique_ptr<TextureUpload> fallback_;
  std::unordered_map<GLuint, Registration> registered_;
  size_t device_tiles_ = 0;
  bool warned_ = false;
};
}  // namespace

std::unique_ptr<TextureUpload> make_texture_upload(bool prefer_cuda) {
  if (!prefer_cuda) return make_host_upload();
  return std::make_unique<CudaTextureUpload>(make_host_upload());
}

}  // namespace shortrun::explorer
#endif  // SHORTRUN_WITH_CUDA
