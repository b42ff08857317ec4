/** A build's icon (decoded from the .ipa, or its placeholder), from its stable, session-authorized URL. */
export function BuildIcon({ src, name, size = 44 }: { src: string; name: string; size?: number }) {
  return (
    // biome-ignore lint/performance/noImgElement: a private, access-checked URL; next/image would proxy and cache it.
    <img
      src={src}
      alt={`${name} icon`}
      width={size}
      height={size}
      className="shrink-0 rounded-[22%] border border-slate-200 bg-white dark:border-slate-700"
      style={{ width: size, height: size }}
    />
  );
}
