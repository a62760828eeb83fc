/**
 * The model repository, without Spring: a folder of models, each a folder of numbered versions,
 * each a model directory as {@code train} and {@code import} write it; which versions a version
 * policy serves; and what loading a version would cost in native memory.
 */
package io.inceptionserve.repository;
