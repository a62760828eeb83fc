/**
 * The HTTP edge both APIs ({@code api} and {@code oip}) share: receiving request bodies, the
 * refusals made before a controller runs (error pages, Tomcat's error report), the shutdown drain,
 * and noticing clients that leave while their images wait.
 */
package io.inceptionserve.web;
