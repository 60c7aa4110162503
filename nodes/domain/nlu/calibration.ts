// Local aliases: global lookups (Math, Infinity) are slow inside vm contexts such as Jest's, and
// these run in the hot loops of training.
const { exp, log, sqrt } = Math;
const NEGATIVE_INFINITY = -Infinity;

/** Softmax of `logits / temperature`, numerically stable. */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
	const result = new Float64Array(logits.length);
	let max = NEGATIVE_INFINITY;
	for (let index = 0; index < logits.length; index++) {
		const scaled = logits[index] / temperature;
		if (scaled > max) max = scaled;
	}
	let sum = 0;
	for (let index = 0; index < logits.length; index++) {
		result[index] = exp(logits[index] / temperature - max);
		sum += result[index];
	}
	for (let index = 0; index < logits.length; index++) result[index] /= sum;
	return result;
}

/** Mean negative log-likelihood of the true labels under `softmax(logits / temperature)`. */
export function negativeLogLikelihood(logits: ArrayLike<number>[], labels: number[], temperature: number): number {
	let total = 0;
	for (let row = 0; row < logits.length; row++) {
		const probabilities = softmax(logits[row], temperature);
		total -= log(probabilities[labels[row]] > 1e-12 ? probabilities[labels[row]] : 1e-12);
	}
	return total / Math.max(1, logits.length);
}

/**
 * Temperature scaling (Guo et al., 2017): the single T > 0 that minimises the NLL of held-out logits.
 * NLL is convex in 1/T for a softmax, so a golden-section search over log T finds it.
 */
export function fitTemperature(logits: ArrayLike<number>[], labels: number[]): number {
	if (logits.length === 0) return 1;
	let low = log(0.05);
	let high = log(20);
	const ratio = (sqrt(5) - 1) / 2;
	let left = high - ratio * (high - low);
	let right = low + ratio * (high - low);
	let leftLoss = negativeLogLikelihood(logits, labels, exp(left));
	let rightLoss = negativeLogLikelihood(logits, labels, exp(right));
	for (let iteration = 0; iteration < 60; iteration++) {
		if (leftLoss < rightLoss) {
			high = right;
			right = left;
			rightLoss = leftLoss;
			left = high - ratio * (high - low);
			leftLoss = negativeLogLikelihood(logits, labels, exp(left));
		} else {
			low = left;
			left = right;
			leftLoss = rightLoss;
			right = low + ratio * (high - low);
			rightLoss = negativeLogLikelihood(logits, labels, exp(right));
		}
	}
	return exp((low + high) / 2);
}

export interface ReliabilityBin {
	/** Lower and upper confidence edge of the bin. */
	from: number;
	to: number;
	count: number;
	meanConfidence: number;
	accuracy: number;
}

/**
 * Expected calibration error over equal-width confidence bins: the count-weighted mean gap between
 * confidence and accuracy. 0 is perfectly calibrated.
 */
export function expectedCalibrationError(
	confidences: number[],
	correct: boolean[],
	binCount = 10,
): { ece: number; bins: ReliabilityBin[] } {
	const bins: ReliabilityBin[] = Array.from({ length: binCount }, (_value, index) => ({
		from: index / binCount,
		to: (index + 1) / binCount,
		count: 0,
		meanConfidence: 0,
		accuracy: 0,
	}));
	for (let index = 0; index < confidences.length; index++) {
		const bin = bins[Math.min(binCount - 1, Math.floor(confidences[index] * binCount))];
		bin.count++;
		bin.meanConfidence += confidences[index];
		bin.accuracy += correct[index] ? 1 : 0;
	}
	let ece = 0;
	for (const bin of bins) {
		if (bin.count === 0) continue;
		bin.meanConfidence /= bin.count;
		bin.accuracy /= bin.count;
		ece += (bin.count / Math.max(1, confidences.length)) * Math.abs(bin.meanConfidence - bin.accuracy);
	}
	return { ece, bins };
}
