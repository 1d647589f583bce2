let regionNames = null;
try {
  regionNames = new Intl.DisplayNames(["en"], { type: "region" });
} catch {
  regionNames = null;
}

export function jurisdictionName(code) {
  if (code === "EU") return "European Union";
  try {
    const name = regionNames ? regionNames.of(code) : null;
    return name && name !== code ? name : code;
  } catch {
    return code;
  }
}
