// Types of webapp/static/vendor/stemmers/swedish.mjs (@orama/stemmers, copied by scripts/vendor.mjs).
export declare function stemmer(word: string): string;
export declare const language: string;
