// Fullscreen triangle without vertex buffers: gl_VertexID 0,1,2 cover the viewport; uv runs
// 0..1 over it with v = 0 at the first texture row (the image's top row).
#version 330 core
out vec2 uv;
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  uv = p;
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
