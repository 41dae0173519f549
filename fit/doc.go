// Package fit is fnlab's reconstruction experiment (the paper's Table 2):
// how well cheap spatial mixers followed by a 1x1 conv reproduce a full
// 3x3 conv.
//
// # Setup
//
// A teacher conv T (c -> c, 3x3, padding 1, no bias) is applied to input
// features x. Write p for the 3x3 patch of x around a pixel, 9c values in
// PyTorch's weight order (p[9*ch + 3*dy + dx]), so the teacher output is
// y = T p with T the weight viewed as a c x 9c matrix. A student is
// K = W2 M with M the mixer (c x 9c, structured) and W2 the 1x1 conv (c x c):
//
//	pconv:  rows 0..c_p-1 of M are free over the first 9*c_p features
//	        (c_p = c/n_div); row r >= c_p is the centre tap of channel r
//	gconv:  block diagonal, group g's c/G rows free over its 9c/G features
//	dwconv: row r free over the 9 features of channel r
//	pwconv: M selects the centre taps (W2 alone is trained)
//	conv:   K free (the control: it can equal T, so its loss must be ~0)
//
// # Loss and moments
//
// Images are split 70/10/20 (train/validation/test) after a seeded
// shuffle. All students are linear in p, so the mean squared error over a
// split depends on the data only through its second moment
// S = (1/N) sum_pixels p p^T:
//
//	MSE(K) = (1/c) E||T p - K p||^2 = (1/c) tr(D S D^T),  D = T - K.
//
// S is accumulated once per split with GEMMs on im2col patches (kernels,
// all workers); training and evaluation then never touch the pixels again.
// Evaluation uses the D form (no cancellation for near-exact students).
// normalised_mse = MSE / Var(y) on the test split, with
// Var(y) = (1/c)(tr(T S T^T) - ||T mu||^2), mu = E[p].
//
// # Training: alternating exact least squares
//
// With M fixed, the best W2 is a c x c linear solve:
//
//	W2 = (M S T^T)^T (M S M^T + lambda I)^{-1}.
//
// With W2 fixed, the loss is quadratic in the mixer's free weights. Each
// block b (rows R_b, features F_b) takes the block-Newton step
//
//	d_b = -(c/2) (A_b^T A_b)^{-1} g_b S_bb^{-1},   A_b = W2[:, R_b],
//	g_b = (2/c) A_b^T (W2 M S - T S)[:, F_b],
//
// which is the exact minimiser when there is one block (pconv), and all
// blocks move together by the exact line-search step
// alpha = -<g, d> / ((2/c) tr(W2 M_d S M_d^T W2^T)) (the loss is a
// quadratic in alpha). Both half-steps never increase the training loss;
// iterations stop when one improves it by less than Tol (relative) or
// after MaxIter. The conv and pwconv students are closed-form least
// squares (the conv: K^T = (S + lambda I)^{-1} S T^T by a blocked Cholesky
// whose trailing updates are kernels GEMMs). lambda is Ridge (1e-5) times
// the mean diagonal of the matrix being inverted, for numerical safety
// only. Results report the training loss after every iteration
// (Result.Curve) so convergence can be checked.
//
// # Default data
//
// Generate makes seeded synthetic feature maps meant to look like the
// post-ReLU activations a 3x3 conv in a CNN reads:
//
//	z_j   k = round(c (1 - redundancy)) latent maps per image: white noise
//	      smoothed by a forward-backward first-order recursive filter,
//	      coefficient a = exp(-1/CorrLen), along rows then columns, then
//	      standardised (spatial correlation about a^|d| at distance d)
//	x_ch  = ReLU(sum_j A[ch][j] z_j + b_ch + Noise * e),  A ~ N(0, 1/k),
//	      b ~ N(0, 0.25), e ~ N(0, 1)
//
// so redundancy 0 gives c independent channels and redundancy 0.9 makes
// all channels noisy mixtures of c/10 signals. Each stage gets enough
// images that the training split has Samples (2) pixels per input
// dimension 9c, and at least 10. The default teacher is a seeded random
// conv, N(0, 2/(9c)) times a centre-heavy tap envelope (1 centre, 0.75
// edges, 0.5 corners). Everything is a function of the seed.
//
// # Experiment
//
// Experiment.Run is the paper's Table 2 protocol: for each redundancy and
// stage, seeds 1..Seeds each draw data, teacher, split and initialisation;
// every student is fitted once per seed, and a Row gives the mean and
// sample standard deviation (n-1) over seeds of the test MSE and of the
// normalised MSE, with the paper's figure beside it (PaperTable2) for
// stages named "1" to "4" with the random teacher. Rankings order the
// students of each stage by mean test MSE. The JSON field names of Row
// and Report are the stable output of fnlab fit.
//
// Real data: LoadFeatures reads an N x C x H x W .npy (N >= 3), LoadTeacher
// one [c, c, 3, 3] tensor of a .safetensors or .pth file, and
// Experiment.UseRealData sets them (the features' one shape becomes the
// only stage; a teacher alone sets every stage's width). Experiment.Check
// refuses a student that does not fit a stage's width. StudentFor is the
// student of a model's mixer (the one mapping ablate and the search's
// fitted proxy use); package fitreport renders a Report.
package fit
