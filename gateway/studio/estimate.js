// How long a text takes to speak: the rule of common/narration.py spoken_seconds, which
// the gateway applies to refuse a video over its length limit, so both agree.

const SECONDS_PER_WORD = 0.29;
const WORDS_PER_DIGIT = 1.7;
const WORDS_PER_DIGIT_READ_SINGLY = 0.9;
const DIGITS_READ_AS_A_NUMBER = 15;
const LETTERS_PER_WORD = 6;
const SECONDS_PER_CJK_CHARACTER = 0.2;
const RATE_EXPONENT = 0.75;

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/gu;
const DIGIT_RUN = /\p{Nd}+/gu;
const LETTER = /[\p{L}\p{M}]/gu;

export function countWords(text) {
  return text.split(/\s+/u).filter(Boolean).length;
}

export function spokenSeconds(text, speakingRate = 1) {
  const cjkCharacters = (text.match(CJK) || []).length;
  let words = 0;
  for (const token of text.replace(CJK, " ").split(/\s+/u)) {
    if (token) words += spokenWords(token);
  }
  const seconds = words * SECONDS_PER_WORD + cjkCharacters * SECONDS_PER_CJK_CHARACTER;
  return seconds / speakingRate ** RATE_EXPONENT;
}

function spokenWords(token) {
  let digitWords = 0;
  for (const run of token.match(DIGIT_RUN) || []) digitWords += numberWords(run.length);
  const letters = (token.match(LETTER) || []).length;
  const letterWords = letters ? Math.max(1, letters / LETTERS_PER_WORD) : 0;
  return digitWords + letterWords;
}

function numberWords(digits) {
  const asANumber = Math.min(digits, DIGITS_READ_AS_A_NUMBER);
  return asANumber * WORDS_PER_DIGIT + (digits - asANumber) * WORDS_PER_DIGIT_READ_SINGLY;
}

/** "42 s" or "3 min 5 s". */
export function formatSeconds(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const rest = whole % 60;
  return rest ? `${Math.floor(whole / 60)} min ${rest} s` : `${whole / 60} min`;
}
