// Maps a float image to display colours: value range [lo, hi] -> [0, 1], then gray/RGB
// pass-through, a diverging blue-white-red map (residuals) or a sequential map (errors).
#version 330 core
in vec2 uv;
out vec4 color;
uniform sampler2D source;
uniform float lo;
uniform float hi;
uniform int channels;  // 1: gray source (red component), 3/4: RGB
uniform int colormap;  // 0: gray/RGB, 1: diverging, 2: sequential

vec3 diverging(float t) {
  // t in [0,1]; 0.5 is white. Blue (negative) to red (positive), perceptually even-ish.
  vec3 blue = vec3(0.130, 0.400, 0.675), white = vec3(0.969, 0.969, 0.969), red = vec3(0.698, 0.094, 0.169);
  return t < 0.5 ? mix(blue, white, t * 2.0) : mix(white, red, (t - 0.5) * 2.0);
}

vec3 sequential(float t) {
  // A dark-purple -> orange -> pale-yellow ramp (close to 'inferno'), as a 4-knot spline.
  vec3 c0 = vec3(0.001, 0.000, 0.014), c1 = vec3(0.416, 0.090, 0.433);
  vec3 c2 = vec3(0.865, 0.317, 0.226), c3 = vec3(0.988, 0.998, 0.645);
  if (t < 1.0 / 3.0) return mix(c0, c1, t * 3.0);
  if (t < 2.0 / 3.0) return mix(c1, c2, t * 3.0 - 1.0);
  return mix(c2, c3, t * 3.0 - 2.0);
}

void main() {
  vec4 v = texture(source, uv);
  float span = max(hi - lo, 1e-12);
  if (colormap == 0) {
    vec3 rgb = channels == 1 ? vec3(v.r) : v.rgb;
    color = vec4(clamp((rgb - lo) / span, 0.0, 1.0), 1.0);
    return;
  }
  float s = channels == 1 ? v.r : (v.r + v.g + v.b) / 3.0;
  float t = clamp((s - lo) / span, 0.0, 1.0);
  color = vec4(colormap == 1 ? diverging(t) : sequential(t), 1.0);
}
