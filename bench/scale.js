export async function benchScale() {
  return { name: "scale", lines: ["scale: not yet"] };
}
