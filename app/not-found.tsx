import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto mt-16 max-w-md text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-300">
        This page does not exist, or you do not have access to it.
      </p>
      <Link href="/" className="mt-4 inline-block text-sky-700 hover:underline dark:text-sky-300">
        Back to your apps
      </Link>
    </div>
  );
}
